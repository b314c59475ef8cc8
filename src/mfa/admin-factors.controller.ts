import { Controller, Delete, HttpCode, NotFoundException, Param, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { UsersService } from '../clients/users.service';
import { SecondFactorService } from './second-factor.service';

@AdminRoute()
@Controller('admin/users')
export class AdminFactorsController {
  constructor(
    private readonly users: UsersService,
    private readonly secondFactor: SecondFactorService,
  ) {}

  @Delete(':id/factors')
  @HttpCode(200)
  @ApiOperation({
    summary: "Remove a person's second factors (authenticator app, recovery codes, passkeys) and pending sign-ins; audited as mfa_reset",
  })
  async reset(@Param('id') id: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(`No user ${id}`);
    const removed = await this.secondFactor.reset(user.id, 'admin-api', request.ip);
    return {
      user_id: user.id,
      username: user.username,
      totp_removed: removed.totp,
      recovery_codes_removed: removed.recoveryCodes,
      passkeys_removed: removed.passkeys,
    };
  }
}
