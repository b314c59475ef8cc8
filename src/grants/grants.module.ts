import { Module } from '@nestjs/common';
import { GrantsService } from './grants.service';
import { RevocationModule } from '../revocation/revocation.module';
import { AuditModule } from '../audit/audit.module';

@Module({ imports: [AuditModule, RevocationModule], providers: [GrantsService], exports: [GrantsService] })
export class GrantsModule {}
