import { Module, OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { SignInOptions } from '../authorize/sign-in-options';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { OutboundModule } from '../common/outbound/outbound.module';
import { FhirModule } from '../fhir/fhir.module';
import { AdminIdentityProvidersController } from './admin-identity-providers.controller';
import { FederatedIdentitiesService } from './federated-identities.service';
import { FederatedSessionsService } from './federated-sessions.service';
import { FederatedSignInService } from './federated-sign-in.service';
import { FederationController } from './federation.controller';
import { IdentityProviderCheckService } from './identity-provider-check.service';
import { IdentityProvidersService } from './identity-providers.service';
import { LdapDirectory } from './ldap/ldap-directory';
import { LdapLoginController } from './ldap/ldap-login.controller';
import { LdapSignInPages } from './ldap/ldap-sign-in.pages';
import { FederationFlowsRepository } from './oidc/federation-flows.repository';
import { OidcClients } from './oidc/oidc-clients';
import { OidcSignInService } from './oidc/oidc-sign-in.service';
import { FhirUserResolver } from './person-mapping';

// Sign-in through the organisation's identity providers (OIDC relying party, LDAP directory). The sign-in
// session, throttle and audit trail come from the authorize, clients and audit modules.
@Module({
  imports: [AuthorizeModule, AuditModule, ClientsModule, KeysModule, OutboundModule, FhirModule],
  controllers: [AdminIdentityProvidersController, FederationController, LdapLoginController],
  providers: [
    IdentityProvidersService,
    IdentityProviderCheckService,
    FederatedIdentitiesService,
    FederatedSessionsService,
    FederatedSignInService,
    FederationFlowsRepository,
    FhirUserResolver,
    OidcClients,
    OidcSignInService,
    LdapDirectory,
    LdapSignInPages,
  ],
  exports: [IdentityProvidersService, FederatedIdentitiesService, IdentityProviderCheckService],
})
export class FederationModule implements OnModuleInit {
  constructor(
    private readonly signInOptions: SignInOptions,
    private readonly providers: IdentityProvidersService,
  ) {}

  onModuleInit(): void {
    // The sign-in page offers every enabled provider ("Sign in with …").
    this.signInOptions.register(async () =>
      (await this.providers.listEnabled()).map((provider) => ({ id: provider.id, label: provider.displayName })),
    );
  }
}
