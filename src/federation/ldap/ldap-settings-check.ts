import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { SASL_MECHANISMS } from 'ldapts';
import { hasControlCharacters } from '../../common/text/control-characters';
import { DEFAULT_GROUP_FILTER, filterTemplateProblem } from './ldap-filter';
import { LdapSettings } from './ldap-settings';

export interface LdapEndpoint {
  url: string;
  secure: boolean;
  /** Host name or IP address without IPv6 brackets, as the certificate must name it. */
  host: string;
}

export interface SettingsReview {
  endpoint: LdapEndpoint | null;
  problems: string[];
  warnings: string[];
}

export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 60_000;

// An attribute description (RFC 4512 §2.5): a name or a numeric OID, with options such as ;binary.
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]{0,127}|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]{1,64})*$/;
const MAX_DN_LENGTH = 1024;

function endpointOf(raw: string, problems: string[]): LdapEndpoint | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`the directory URL ${JSON.stringify(raw)} is not a URL; use ldap://host:port or ldaps://host:port`);
    return null;
  }
  const plainUrl = (url.pathname === '' || url.pathname === '/') && !url.search && !url.hash && !url.username && !url.password;
  if ((url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') || !url.hostname || !plainUrl) {
    problems.push(`the directory URL ${raw} must be ldap://host:port or ldaps://host:port, with nothing after the port`);
    return null;
  }
  return { url: `${url.protocol}//${url.host}`, secure: url.protocol === 'ldaps:', host: url.hostname.replace(/^\[(.*)\]$/, '$1') };
}

function dnProblem(label: string, value: string | null): string | null {
  if (value === null) return null;
  if (value.trim() === '') return `the ${label} is empty`;
  if (value.length > MAX_DN_LENGTH || hasControlCharacters(value)) return `the ${label} is too long or contains control characters`;
  return null;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Everything that can be said about the settings without asking the directory. */
export function reviewSettings(settings: LdapSettings): SettingsReview {
  const problems: string[] = [];
  const warnings: string[] = [];
  const endpoint = endpointOf(settings.url, problems);
  if (endpoint?.secure && settings.startTls) {
    problems.push('StartTLS is for ldap:// URLs: an ldaps:// connection is already encrypted; turn StartTLS off or use ldap://');
  }
  if (settings.bindDn !== null && settings.bindDn !== '') {
    const problem = dnProblem('service account DN', settings.bindDn);
    if (problem) problems.push(problem);
    // ldapts reads a bind name equal to a SASL mechanism's name as a SASL bind
    if ((SASL_MECHANISMS as readonly string[]).includes(settings.bindDn.trim().toUpperCase())) {
      problems.push(`the service account DN ${settings.bindDn} is a SASL mechanism's name, not a DN`);
    }
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an unauthenticated bind, which many
    // servers accept as anonymous; the service account would silently search as nobody.
    if (!settings.bindPassword) problems.push('the service account has no password (an empty password is an anonymous bind)');
  }
  for (const problem of [dnProblem('user base', settings.userBase), dnProblem('group base', settings.groupBase || null)]) {
    if (problem) problems.push(problem);
  }
  const userFilter = filterTemplateProblem('user filter', settings.userFilter, ['username'], ['username']);
  if (userFilter) problems.push(userFilter);
  if (settings.groupBase) {
    const template = settings.groupFilter || DEFAULT_GROUP_FILTER;
    const groupFilter = filterTemplateProblem('group filter', template, ['username', 'dn'], ['dn', 'username']);
    if (groupFilter) problems.push(groupFilter);
  }
  const attributes = { ...settings.attributes, groupName: settings.groupNameAttribute };
  for (const [field, name] of Object.entries(attributes)) {
    if (name !== undefined && name !== null && !ATTRIBUTE.test(name)) {
      problems.push(`the ${field} attribute ${JSON.stringify(name)} is not an LDAP attribute name`);
    }
  }
  if (!Number.isInteger(settings.timeoutMs) || settings.timeoutMs < MIN_TIMEOUT_MS || settings.timeoutMs > MAX_TIMEOUT_MS) {
    problems.push(`the timeout must be a whole number of milliseconds between ${MIN_TIMEOUT_MS} and ${MAX_TIMEOUT_MS}`);
  }
  if (settings.tlsCaPem) {
    try {
      new X509Certificate(settings.tlsCaPem);
    } catch {
      problems.push('the CA certificate is not a PEM certificate');
    }
  }
  if (endpoint && !endpoint.secure && !settings.startTls) {
    if (settings.tlsCaPem) warnings.push('a CA certificate is set but the connection is not encrypted (use ldaps:// or StartTLS)');
    if (!isLoopback(endpoint.host)) warnings.push('passwords cross the network unencrypted: use ldaps:// or StartTLS');
  }
  return { endpoint, problems, warnings };
}
