import { Global, Module } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { RevocationService } from './revocation.service';

@Global()
@Module({ providers: [Clock, RevocationService], exports: [RevocationService] })
export class RevocationModule {}
