import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { UsersService } from '../clients/users.service';
import { PasskeysService, PasskeySummary } from './passkeys.service';

/** Operators see and remove a person's passkeys (e.g. a lost device); removals are audited. */
@AdminRoute()
@Controller('admin/users/:userId/passkeys')
export class AdminPasskeysController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @ApiOperation({ summary: "List a user's passkeys (names, kinds and dates; never key material)" })
  async list(@Param('userId') userId: string): Promise<Array<Record<string, unknown>>> {
    if (!(await this.users.findById(userId))) throw new NotFoundException(`No user ${userId}`);
    return (await this.passkeys.list(userId)).map(adminPasskeyView);
  }

  @Delete(':passkeyId')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove one of a user's passkeys" })
  async remove(@Param('userId') userId: string, @Param('passkeyId') passkeyId: string, @Req() request: FastifyRequest): Promise<void> {
    if (!(await this.passkeys.remove(userId, passkeyId, 'operator', request.ip)))
      throw new NotFoundException(`No passkey ${passkeyId} for user ${userId}`);
  }
}

export function adminPasskeyView(passkey: PasskeySummary): Record<string, unknown> {
  return {
    id: passkey.id,
    name: passkey.name,
    device_type: passkey.deviceType,
    backed_up: passkey.backedUp,
    transports: passkey.transports,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
  };
}
