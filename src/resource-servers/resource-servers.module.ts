import { Module } from '@nestjs/common';
import { AdminResourceServersController } from './admin-resource-servers.controller';
import { ResourceServersService } from './resource-servers.service';
import { AuditModule } from '../audit/audit.module';

// Resource servers besides this server's /fhir, each with its own audience (RFC 8707).
@Module({
  imports: [AuditModule],
  controllers: [AdminResourceServersController],
  providers: [ResourceServersService],
  exports: [ResourceServersService],
})
export class ResourceServersModule {}
