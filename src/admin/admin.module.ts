import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { AppConfig } from '../config/app-config';
import { KeysModule } from '../keys/keys.module';
import { AdminClientsController } from './admin-clients.controller';
import { AdminOperationsController } from './admin-operations.controller';
import { AdminTokenGuard } from '../common/admin-auth/admin-token.guard';
import { registerAdminTokenHook } from '../common/admin-auth/admin-token.hook';
import { AdminUsersController } from './admin-users.controller';
import { ClientsModule } from '../clients/clients.module';

// Clients and users come from ClientsModule; entities from the database module.
@Module({
  imports: [ClientsModule, KeysModule],
  controllers: [AdminClientsController, AdminUsersController, AdminOperationsController],
  providers: [AdminTokenGuard],
  exports: [AdminTokenGuard],
})
export class AdminModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // No HTTP adapter in a bare application context (CLI).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerAdminTokenHook(fastify, this.config);
  }
}
