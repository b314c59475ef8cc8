import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CorsPolicy } from '../common/http/cors-policy';
import { OutboundModule } from '../common/outbound/outbound.module';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { ClientAssertionJtiRepository } from './authentication/client-assertion-jti.repository';
import { CLIENT_AUTHENTICATORS, ClientAuthenticator } from './authentication/client-authenticator';
import { ClientAuthenticationService } from './authentication/client-authentication.service';
import { ClientJwksResolver } from './authentication/client-jwks.resolver';
import { CLIENT_AUTHENTICATOR_TYPES } from './authentication';
import { ClientRepository } from './client.repository';
import { ClientsService } from './clients.service';
import { InitialAccessTokenRepository } from './initial-access-token.repository';
import { InitialAccessTokensService } from './initial-access-tokens.service';
import { ClientRegistrationController } from './registration/client-registration.controller';
import { ClientRegistrationService } from './registration/client-registration.service';
import { RegistrationLimitsHooks } from './registration/registration-limits.hooks';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';
import { TokenHolderService } from './token-holder.service';
import { HttpModule } from '../common/http/http.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { AuditModule } from '../audit/audit.module';
import { ROUTES } from '../common/http/routes';

@Module({
  imports: [HttpModule, DiscoveryModule, AuditModule, OutboundModule],
  controllers: [ClientRegistrationController],
  providers: [
    ClientRepository,
    ClientsService,
    UserRepository,
    UsersService,
    InitialAccessTokenRepository,
    InitialAccessTokensService,
    ClientRegistrationService,
    RegistrationLimitsHooks,
    ClientJwksResolver,
    ClientAssertionJtiRepository,
    ...CLIENT_AUTHENTICATOR_TYPES,
    {
      provide: CLIENT_AUTHENTICATORS,
      useFactory: (...authenticators: ClientAuthenticator[]) => authenticators,
      inject: [...CLIENT_AUTHENTICATOR_TYPES],
    },
    ClientAuthenticationService,
    TokenHolderService,
  ],
  exports: [
    ClientsService,
    UsersService,
    ClientAuthenticationService,
    InitialAccessTokensService,
    TokenHolderService,
    ClientAssertionJtiRepository,
  ],
})
export class ClientsModule implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: DiscoveryRegistry,
    private readonly cors: CorsPolicy,
    private readonly clients: ClientsService,
    private readonly authentication: ClientAuthenticationService,
    private readonly registrationLimits: RegistrationLimitsHooks,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    this.registrationLimits.register(this.adapterHost.httpAdapter.getInstance());
    const supported = this.authentication.supported();
    this.registry.contribute('clients', {
      // RFC 7591: no registration_endpoint is advertised while registration is closed.
      endpoints: this.config.registrationPolicy === 'closed' ? {} : { registration_endpoint: ROUTES.register },
      // SMART App Launch: capabilities for the client types this server authenticates.
      capabilities: ['client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric'],
      tokenEndpointAuthMethods: supported.methods.filter((method) => method !== 'none'),
      tokenEndpointAuthSigningAlgs: supported.signingAlgorithms,
    });
    // SMART App Launch 2.2 §Considerations for CORS Support: browser apps call the token endpoint from their own
    // origin, once an operator created or verified them.
    this.cors.addOriginSource((origin) => this.clients.isApprovedOrigin(origin));
  }
}
