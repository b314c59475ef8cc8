import { Module } from '@nestjs/common';
import { RevocationService } from './revocation.service';
import { ClientsModule } from '../clients/clients.module';

@Module({ imports: [ClientsModule], providers: [RevocationService], exports: [RevocationService] })
export class RevocationModule {}
