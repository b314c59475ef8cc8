import { Global, Module } from '@nestjs/common';
import { CorsPolicy } from './cors-policy';

@Global()
@Module({ providers: [CorsPolicy], exports: [CorsPolicy] })
export class HttpModule {}
