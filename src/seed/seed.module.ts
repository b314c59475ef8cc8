import { Module } from '@nestjs/common';
import { MfaModule } from '../mfa';
import { DemoSeedService } from './demo-seed.service';

@Module({ imports: [MfaModule], providers: [DemoSeedService], exports: [DemoSeedService] })
export class SeedModule {}
