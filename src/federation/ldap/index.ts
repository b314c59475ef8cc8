export { LdapDirectory, MAX_GROUPS, MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from './ldap-directory';
export { DEFAULT_GROUP_FILTER } from './ldap-filter';
export { reviewSettings, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS } from './ldap-settings-check';
export type { LdapCheck, LdapFailureReason, LdapOutcome, LdapPerson, LdapSettings } from './ldap-settings';
