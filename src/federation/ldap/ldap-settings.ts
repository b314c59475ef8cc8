/**
 * How smart-auth reaches one organisation's directory (OpenLDAP, Active Directory or any LDAPv3 server,
 * RFC 4511). docs/federation.md explains each field in plain words.
 */
export interface LdapSettings {
  /** ldap://host:port or ldaps://host:port (LDAP over TLS, RFC 8314 §2 calls it implicit TLS). */
  url: string;
  /** Upgrade an ldap:// connection with the StartTLS extended operation (RFC 4511 §4.14) before any bind. */
  startTls: boolean;
  /** Service account used for the search; null = anonymous search. */
  bindDn: string | null;
  bindPassword: string | null;
  /** e.g. ou=people,dc=example,dc=org */
  userBase: string;
  /** e.g. (uid={username}) or (sAMAccountName={username}); {username} is escaped per RFC 4515 §3. */
  userFilter: string;
  attributes: { username?: string; displayName?: string; fhirUser?: string; email?: string };
  /** When set, groups are searched there. */
  groupBase: string | null;
  /** Default (|(member={dn})(uniqueMember={dn})); memberOf on the person's entry is read too when present. */
  groupFilter?: string | null;
  /** Default cn. */
  groupNameAttribute?: string;
  /** PEM of a private CA to trust (then only that CA is trusted). */
  tlsCaPem?: string | null;
  /** Connect and per-operation timeout. */
  timeoutMs: number;
}

export interface LdapPerson {
  /** The directory's immutable id: entryUUID (RFC 4530) or Active Directory's objectGUID as a canonical GUID string. */
  id: string;
  dn: string;
  username: string;
  displayName: string | null;
  fhirUser: string | null;
  email: string | null;
  groups: string[];
}

export type LdapOutcome =
  | { ok: true; person: LdapPerson }
  | { ok: false; reason: 'invalid-credentials' | 'not-found' | 'ambiguous' | 'unavailable' | 'misconfigured'; detail: string };

export type LdapFailureReason = Extract<LdapOutcome, { ok: false }>['reason'];

/** The answer to an operator's configuration test; warnings do not make it fail. */
export interface LdapCheck {
  ok: boolean;
  problems: string[];
  warnings: string[];
}
