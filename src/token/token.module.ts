import { Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Clock } from '../common/time/clock';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { DPOP_SIGNING_ALGS } from '../dpop/dpop-proof.verifier';
import { DpopModule } from '../dpop/dpop.module';
import { KeysModule } from '../keys/keys.module';
import { ResourceServersModule } from '../resource-servers/resource-servers.module';
import { AccessTokenService } from './access-token.service';
import { GRANT_HANDLER_TYPES, GRANT_HANDLERS } from './grant-types';
import { GrantHandler } from './grant-types/grant-handler';
import { IdTokenService } from './id-token.service';
import { OAuthEndpointHooks } from './oauth-endpoint.hooks';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TokenController } from './token.controller';
import { TokenIssuerService } from './token-issuer.service';
import { TokenRequestPipeline } from './token-request.pipeline';
import { AuditModule } from '../audit/audit.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { ClientsModule } from '../clients/clients.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { RevocationModule } from '../revocation/revocation.module';
import { ROUTES } from '../common/http/routes';

const PURGE_INTERVAL_MS = 3600_000;

@Module({
  imports: [AuditModule, AuthorizeModule, ClientsModule, DiscoveryModule, RevocationModule, KeysModule, ResourceServersModule, DpopModule],
  controllers: [TokenController],
  providers: [
    AccessTokenService,
    Clock,
    IdTokenService,
    RefreshTokenRepository,
    TokenIssuerService,
    TokenRequestPipeline,
    OAuthEndpointHooks,
    ...GRANT_HANDLER_TYPES,
    { provide: GRANT_HANDLERS, useFactory: (...handlers: GrantHandler[]) => handlers, inject: GRANT_HANDLER_TYPES },
  ],
  exports: [RefreshTokenRepository],
})
export class TokenModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenModule.name);
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: DiscoveryRegistry,
    private readonly pipeline: TokenRequestPipeline,
    private readonly hooks: OAuthEndpointHooks,
    private readonly adapterHost: HttpAdapterHost,
    private readonly refreshTokens: RefreshTokenRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this.adapterHost.httpAdapter.getInstance());
    this.registry.contribute('token', () => ({
      endpoints: { token_endpoint: ROUTES.token },
      grantTypes: this.pipeline.grantTypes(),
      // SMART App Launch 2.2 §Capabilities: id_tokens (sso-openid-connect) and refresh tokens for offline_access / online_access.
      capabilities: ['sso-openid-connect', 'permission-offline', 'permission-online'],
      claimsSupported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'nonce', 'fhirUser', 'name'],
      // SMART Backend Services: system/ scopes, v2 and v1 syntax (narrowed to each client's pre-authorization).
      scopesSupported: this.pipeline.grantTypes().includes('client_credentials') ? ['system/*.rs', 'system/*.read'] : [],
      // RFC 9449 §5.1: the algorithms a DPoP proof may use, at /token and at /fhir.
      dpopSigningAlgs: [...DPOP_SIGNING_ALGS],
    }));
    // A rotated token is kept for a day so late reuse is still recognised (and ends its grant).
    this.purgeTimer = setInterval(() => {
      this.refreshTokens.purgeStale().catch((error: Error) => this.logger.warn(`Refresh token purge failed: ${error.message}`));
    }, PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }
}
