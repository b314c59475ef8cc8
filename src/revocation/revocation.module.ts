import { Module } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { RevocationService } from './revocation.service';
import { ClientsModule } from '../clients/clients.module';

@Module({ imports: [ClientsModule], providers: [Clock, RevocationService], exports: [RevocationService] })
export class RevocationModule {}
