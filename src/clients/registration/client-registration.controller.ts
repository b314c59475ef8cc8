import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Ip, Param, Post, Put } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JsonBodyRouteConfig } from '../../common/http/json-body.parser';
import { ClientRegistrationService } from './client-registration.service';
import { ROUTES } from '../../common/http/routes';

const METADATA_SCHEMA = {
  type: 'object',
  description: 'RFC 7591 client metadata',
  properties: {
    client_name: { type: 'string' },
    redirect_uris: { type: 'array', items: { type: 'string' } },
    token_endpoint_auth_method: { type: 'string', enum: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] },
    grant_types: { type: 'array', items: { type: 'string', enum: ['authorization_code', 'refresh_token', 'client_credentials'] } },
    response_types: { type: 'array', items: { type: 'string', enum: ['code'] } },
    scope: { type: 'string' },
    jwks: { type: 'object' },
    jwks_uri: { type: 'string' },
    launch_url: { type: 'string' },
  },
};

// RFC 7591 §3.2.2: a body that is not acceptable metadata (too deep, NUL, unpaired surrogates) is invalid_client_metadata.
const METADATA_BODY: JsonBodyRouteConfig = { jsonBodyError: 'invalid_client_metadata' };

@ApiTags('registration')
@Controller(ROUTES.register)
export class ClientRegistrationController {
  constructor(private readonly registration: ClientRegistrationService) {}

  @Post()
  @RouteConfig(METADATA_BODY)
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'Register a client (RFC 7591)' })
  @ApiBearerAuth()
  @ApiBody({ schema: METADATA_SCHEMA })
  @ApiResponse({ status: 201, description: 'Client information, with client_secret and registration_access_token shown once' })
  register(
    @Body() metadata: unknown,
    @Ip() ip: string,
    @Headers('authorization') authorization?: string,
  ): Promise<Record<string, unknown>> {
    return this.registration.register(metadata, authorization, ip);
  }

  @Get(':clientId')
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'Read a registration (RFC 7592), with the registration access token' })
  @ApiBearerAuth()
  read(@Param('clientId') clientId: string, @Headers('authorization') authorization?: string): Promise<Record<string, unknown>> {
    return this.registration.read(clientId, authorization);
  }

  @Put(':clientId')
  @RouteConfig(METADATA_BODY)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'Replace a registration (RFC 7592)' })
  @ApiBearerAuth()
  @ApiBody({ schema: METADATA_SCHEMA })
  update(
    @Param('clientId') clientId: string,
    @Body() metadata: unknown,
    @Ip() ip: string,
    @Headers('authorization') authorization?: string,
  ): Promise<Record<string, unknown>> {
    return this.registration.update(clientId, authorization, metadata, ip);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a registration (RFC 7592)' })
  @ApiBearerAuth()
  async delete(@Param('clientId') clientId: string, @Ip() ip: string, @Headers('authorization') authorization?: string): Promise<void> {
    await this.registration.delete(clientId, authorization, ip);
  }
}
