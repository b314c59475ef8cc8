import { Module } from '@nestjs/common';
import { AdminResourceServersController } from './admin-resource-servers.controller';
import { ResourceServersService } from './resource-servers.service';

// Resource servers besides this server's /fhir, each with its own audience (RFC 8707).
@Module({
  controllers: [AdminResourceServersController],
  providers: [ResourceServersService],
  exports: [ResourceServersService],
})
export class ResourceServersModule {}
