import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenService } from './access-token.service';
import { GRANT_HANDLER_TYPES, GRANT_HANDLERS } from './grants';
import { GrantHandler } from './grants/grant-handler';
import { IdTokenService } from './id-token.service';
import { OAuthEndpointHooks } from './oauth-endpoint.hooks';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TokenController } from './token.controller';
import { TokenIssuerService } from './token-issuer.service';
import { TokenRequestPipeline } from './token-request.pipeline';

@Module({
  imports: [KeysModule],
  controllers: [TokenController],
  providers: [
    AccessTokenService,
    IdTokenService,
    RefreshTokenRepository,
    TokenIssuerService,
    TokenRequestPipeline,
    OAuthEndpointHooks,
    ...GRANT_HANDLER_TYPES,
    { provide: GRANT_HANDLERS, useFactory: (...handlers: GrantHandler[]) => handlers, inject: GRANT_HANDLER_TYPES },
  ],
  exports: [AccessTokenService, RefreshTokenRepository],
})
export class TokenModule implements OnModuleInit {
  constructor(
    private readonly registry: DiscoveryRegistry,
    private readonly pipeline: TokenRequestPipeline,
    private readonly hooks: OAuthEndpointHooks,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this.adapterHost.httpAdapter.getInstance());
    this.registry.contribute('token', () => ({
      endpoints: { token_endpoint: '/token' },
      grantTypes: this.pipeline.grantTypes(),
      // SMART B1: id_tokens (sso-openid-connect) and refresh tokens for offline_access / online_access.
      capabilities: ['sso-openid-connect', 'permission-offline', 'permission-online'],
      claimsSupported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser', 'name'],
    }));
  }
}
