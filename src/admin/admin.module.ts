import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AdminClientsController } from './admin-clients.controller';
import { AdminOperationsController } from './admin-operations.controller';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminUsersController } from './admin-users.controller';

// Clients, users, services and entities come from the global ClientsModule.
@Module({
  imports: [KeysModule],
  controllers: [AdminClientsController, AdminUsersController, AdminOperationsController],
  providers: [AdminTokenGuard],
  exports: [AdminTokenGuard],
})
export class AdminModule {}
