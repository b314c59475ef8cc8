import { Body, ConflictException, Controller, Delete, Get, HttpCode, Ip, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { adminApi } from '../audit/audit.service';
import { ClientIdTakenError, ClientsService } from '../clients/clients.service';
import { adminClientView } from '../clients/registration/client-information.presenter';
import { outboundPolicyOf } from '../common/outbound/outbound-policy';
import { AppConfig } from '../config/app-config';
import { clientSettingsFrom } from './admin-client-settings';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { CreateClientDto, ClientMetadataDto, RotateSecretDto } from './dto/client-metadata.dto';

@AdminRoute()
@Controller('admin/clients')
export class AdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a client; a generated client_secret is returned once' })
  async create(@Body() dto: CreateClientDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    try {
      const created = await this.clients.create(
        clientSettingsFrom(dto, undefined, outboundPolicyOf(this.config)),
        { clientId: dto.client_id },
        adminApi(ip),
      );
      return adminClientView(created.client, { clientSecret: created.clientSecret });
    } catch (error) {
      if (error instanceof ClientIdTakenError) throw new ConflictException(error.message);
      throw error;
    }
  }

  @Get()
  @ApiOperation({ summary: 'List clients' })
  async list(): Promise<Array<Record<string, unknown>>> {
    return (await this.clients.list()).map((client) => adminClientView(client));
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'Read a client' })
  async read(@Param('clientId') clientId: string): Promise<Record<string, unknown>> {
    return adminClientView(await this.existing(clientId));
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Update a client (only the fields sent change)' })
  async update(@Param('clientId') clientId: string, @Body() dto: ClientMetadataDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const existing = await this.existing(clientId);
    const updated = await this.clients.update(clientId, clientSettingsFrom(dto, existing, outboundPolicyOf(this.config)), adminApi(ip));
    if (!updated) throw new NotFoundException(`No client ${clientId}`);
    return adminClientView(updated.client, { clientSecret: updated.clientSecret });
  }

  @Post(':clientId/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a client (it can no longer authenticate or authorize)' })
  async disable(@Param('clientId') clientId: string, @Ip() ip: string): Promise<Record<string, unknown>> {
    const client = await this.clients.disable(clientId, adminApi(ip));
    if (!client) throw new NotFoundException(`No client ${clientId}`);
    return adminClientView(client);
  }

  @Post(':clientId/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled client' })
  async enable(@Param('clientId') clientId: string, @Ip() ip: string): Promise<Record<string, unknown>> {
    const client = await this.clients.setEnabled(clientId, true, adminApi(ip));
    if (!client) throw new NotFoundException(`No client ${clientId}`);
    return adminClientView(client);
  }

  @Post(':clientId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a new client secret; the previous one stays valid for overlap_seconds (default 24 h)' })
  async rotateSecret(
    @Param('clientId') clientId: string,
    @Body() dto: RotateSecretDto,
    @Ip() ip: string,
  ): Promise<Record<string, unknown>> {
    await this.existing(clientId);
    const rotated = await this.clients.rotateSecret(clientId, dto?.overlap_seconds, adminApi(ip));
    if (!rotated) throw new ConflictException('The client does not authenticate with a secret');
    return {
      client_id: clientId,
      client_secret: rotated.clientSecret,
      previous_secrets_expire_at: rotated.previousSecretsExpireAt.toISOString(),
    };
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a client and its secrets' })
  async delete(@Param('clientId') clientId: string, @Ip() ip: string): Promise<void> {
    if (!(await this.clients.delete(clientId, adminApi(ip)))) throw new NotFoundException(`No client ${clientId}`);
  }

  private async existing(clientId: string) {
    const client = await this.clients.findById(clientId);
    if (!client) throw new NotFoundException(`No client ${clientId}`);
    return client;
  }
}
