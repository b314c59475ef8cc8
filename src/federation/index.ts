export { FederationModule } from './federation.module';
export { IdentityProvidersService, IdentityProviderTakenError, IdentityProviderConflictError } from './identity-providers.service';
export { IdentityProviderCheckService, type ProviderCheck } from './identity-provider-check.service';
export { FederatedIdentitiesService, FederatedIdentityTakenError } from './federated-identities.service';
export { identityProviderView, federatedIdentityView, callbackPath, jwksPath } from './identity-provider.view';
export { InvalidIdentityProviderError } from './identity-provider-settings';
export type { IdentityProviderInput } from './identity-provider-input';
export type { LdapOutcome, LdapPerson, LdapSettings } from './ldap/ldap-settings';
export { CreateIdentityProviderDto, UpdateIdentityProviderDto, LinkIdentityDto } from './dto/identity-provider.dto';
