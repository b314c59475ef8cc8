import { IdentityProviderEntity } from '../identity-provider.entity';
import { LdapProviderSettings } from '../identity-provider-settings';
import { ProviderSecrets } from '../identity-providers.service';
import { LdapSettings } from './ldap-settings';

/** A stored LDAP provider as the directory connector takes it. */
export function ldapSettingsOf(provider: IdentityProviderEntity, secrets: ProviderSecrets): LdapSettings {
  const settings = provider.settings as LdapProviderSettings;
  return {
    url: settings.url,
    startTls: settings.startTls,
    bindDn: settings.bindDn,
    bindPassword: secrets.secret,
    userBase: settings.userBase,
    userFilter: settings.userFilter,
    attributes: settings.attributes,
    groupBase: settings.groupBase,
    groupFilter: settings.groupFilter,
    ...(settings.groupNameAttribute ? { groupNameAttribute: settings.groupNameAttribute } : {}),
    tlsCaPem: settings.tlsCaPem,
    timeoutMs: settings.timeoutMs,
  };
}
