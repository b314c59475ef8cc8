import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { UsersService } from '../clients/users.service';
import { AppConfig } from '../config/app-config';
import { CreateIdentityProviderDto, LinkIdentityDto, UpdateIdentityProviderDto } from './dto/identity-provider.dto';
import { FederatedIdentitiesService, FederatedIdentityTakenError } from './federated-identities.service';
import { IdentityProviderCheckService, ProviderCheck } from './identity-provider-check.service';
import { IdentityProviderEntity } from './identity-provider.entity';
import { InvalidIdentityProviderError } from './identity-provider-settings';
import { federatedIdentityView, identityProviderView } from './identity-provider.view';
import { IdentityProviderConflictError, IdentityProvidersService, IdentityProviderTakenError } from './identity-providers.service';

@AdminRoute()
@Controller('admin/identity-providers')
export class AdminIdentityProvidersController {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly identities: FederatedIdentitiesService,
    private readonly checks: IdentityProviderCheckService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add an identity provider (oidc or ldap); secrets are write-only (the record shows client_secret_set / bind_password_set)',
  })
  async create(@Body() dto: CreateIdentityProviderDto): Promise<Record<string, unknown>> {
    return this.view(await guard(() => this.providers.create(dto)));
  }

  @Get()
  @ApiOperation({ summary: 'List identity providers' })
  async list(): Promise<Array<Record<string, unknown>>> {
    return (await this.providers.list()).map((provider) => this.view(provider));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an identity provider (with the redirect_uri to register upstream)' })
  async read(@Param('id') id: string): Promise<Record<string, unknown>> {
    return this.view(await this.found(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an identity provider (only the fields sent); disabling it ends the sign-in sessions it began' })
  async update(@Param('id') id: string, @Body() dto: UpdateIdentityProviderDto): Promise<Record<string, unknown>> {
    const provider = await guard(() => this.providers.update(id, dto));
    if (!provider) throw new NotFoundException(`No identity provider ${id}`);
    return this.view(provider);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an identity provider, its links and the sign-in sessions it began (the users stay)' })
  async remove(@Param('id') id: string): Promise<void> {
    if (!(await this.providers.remove(id))) throw new NotFoundException(`No identity provider ${id}`);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check the settings against the provider (OIDC discovery and keys, LDAP bind and search); problems in plain words',
  })
  async test(@Param('id') id: string): Promise<ProviderCheck> {
    return this.checks.check(await this.found(id));
  }

  @Get(':id/links')
  @ApiOperation({ summary: 'List the people linked to users here' })
  async links(@Param('id') id: string): Promise<Array<Record<string, unknown>>> {
    await this.found(id);
    return (await this.identities.list(id)).map(federatedIdentityView);
  }

  @Post(':id/links')
  @HttpCode(201)
  @ApiOperation({ summary: 'Link an existing user to a person at this provider (subject: OIDC sub, LDAP entryUUID/objectGUID)' })
  async link(@Param('id') id: string, @Body() dto: LinkIdentityDto): Promise<Record<string, unknown>> {
    await this.found(id);
    if (!(await this.users.findById(dto.user_id))) throw new BadRequestException(`No user ${dto.user_id}`);
    try {
      return federatedIdentityView(await this.identities.link(id, dto.subject, dto.user_id));
    } catch (error) {
      if (error instanceof FederatedIdentityTakenError) throw new ConflictException(error.message);
      throw error;
    }
  }

  @Delete(':id/links/:linkId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a link (the user stays; that person can no longer sign in as them)' })
  async unlink(@Param('id') id: string, @Param('linkId') linkId: string): Promise<void> {
    if (!(await this.identities.remove(id, linkId))) throw new NotFoundException(`No link ${linkId} at ${id}`);
  }

  private async found(id: string): Promise<IdentityProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider) throw new NotFoundException(`No identity provider ${id}`);
    return provider;
  }

  private view(provider: IdentityProviderEntity): Record<string, unknown> {
    return identityProviderView(provider, this.config.publicUrl);
  }
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IdentityProviderTakenError || error instanceof IdentityProviderConflictError)
      throw new ConflictException(error.message);
    if (error instanceof InvalidIdentityProviderError) throw new BadRequestException(error.message);
    throw error;
  }
}
