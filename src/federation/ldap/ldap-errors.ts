import { ResultCodeError } from 'ldapts';
import { LdapFailureReason } from './ldap-settings';

/** What the connector was doing when something failed, to say it in an operator's words. */
export type LdapPhase = 'connect' | 'starttls' | 'service-bind' | 'user-search' | 'user-bind' | 'groups' | 'user-base' | 'group-base';

export interface LdapFailure {
  reason: LdapFailureReason;
  detail: string;
}

export interface FailureContext {
  url: string;
  timeoutMs: number;
  userBase: string;
  groupBase: string | null;
}

/** Raised by the connector's own overall deadline. */
export class DeadlineError extends Error {}

// LDAP result codes (RFC 4511 Appendix A.1).
const RESULT = {
  timeLimitExceeded: 3,
  authMethodNotSupported: 7,
  strongerAuthRequired: 8,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
};

function tlsProblem(code: string | undefined, url: string): string | null {
  if (!code) return null;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the certificate of ${url} does not name that host`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the certificate of ${url} is outside its validity period`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER/.test(code)) {
    return `the certificate of ${url} is not trusted (${code}); set the CA certificate of the directory`;
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return `TLS with ${url} failed (${code})`;
  return null;
}

const WRONG_PORT_HINT = ' (is it the right port, and ldaps:// versus ldap://?)';

function resultFailure(error: ResultCodeError, phase: LdapPhase, context: FailureContext): LdapFailure {
  const misconfigured = (detail: string): LdapFailure => ({ reason: 'misconfigured', detail });
  // Never carry on unencrypted when StartTLS was asked for (RFC 4513 §3.1.1).
  if (phase === 'starttls') return misconfigured(`${context.url} refused StartTLS: ${error.message}`);
  switch (error.code) {
    case RESULT.invalidCredentials:
    case RESULT.inappropriateAuthentication:
      if (phase === 'user-bind') return { reason: 'invalid-credentials', detail: 'the directory refused the password' };
      return misconfigured("the service account's password was refused");
    case RESULT.unwillingToPerform:
      // e.g. a locked or expired account under a password policy
      if (phase === 'user-bind')
        return { reason: 'invalid-credentials', detail: 'the directory refused this sign-in (account locked or password expired?)' };
      return misconfigured(`the directory is unwilling to perform the ${phase} step: ${error.message}`);
    case RESULT.noSuchObject:
      if (phase === 'group-base' || phase === 'groups')
        return misconfigured(`the group base ${context.groupBase} does not exist (or the service account may not see it)`);
      if (phase === 'service-bind') return misconfigured('the service account does not exist');
      return misconfigured(`the user base ${context.userBase} does not exist (or the service account may not see it)`);
    case RESULT.invalidDnSyntax:
      return misconfigured(`a DN in the settings is not a valid DN (${phase})`);
    case RESULT.insufficientAccessRights:
      return misconfigured(`the service account may not read what the ${phase} step needs`);
    case RESULT.confidentialityRequired:
    case RESULT.strongerAuthRequired:
      return misconfigured('the directory requires an encrypted connection: use ldaps:// or StartTLS');
    case RESULT.authMethodNotSupported:
      return misconfigured('the directory does not accept simple binds (name and password)');
    case RESULT.busy:
    case RESULT.unavailable:
    case RESULT.timeLimitExceeded:
      return { reason: 'unavailable', detail: `${context.url} is busy or unavailable` };
    default:
      return { reason: 'unavailable', detail: `the directory answered the ${phase} step with an error: ${error.message}` };
  }
}

/** Turns anything thrown while talking to the directory into an outcome reason and plain words. */
export function describeFailure(error: unknown, phase: LdapPhase, context: FailureContext): LdapFailure {
  if (error instanceof ResultCodeError) return resultFailure(error, phase, context);
  const err = error as NodeJS.ErrnoException;
  const message = typeof err?.message === 'string' ? err.message : String(error);
  const tls = tlsProblem(err?.code, context.url);
  if (tls) return { reason: 'unavailable', detail: tls };
  if (err?.code && NETWORK[err.code]) {
    const hint = err.code === 'ECONNRESET' ? WRONG_PORT_HINT : '';
    return { reason: 'unavailable', detail: `cannot reach ${context.url}: ${NETWORK[err.code]}${hint}` };
  }
  if (error instanceof DeadlineError || /Connection timeout|Operation timed out/.test(message)) {
    const what = /Connection timeout/.test(message) ? 'did not accept a connection' : 'did not answer';
    return { reason: 'unavailable', detail: `${context.url} ${what} within ${context.timeoutMs} ms` };
  }
  if (/closed|Socket error|socket hang up/i.test(message)) {
    const hint = phase === 'user-bind' || phase === 'groups' ? '' : WRONG_PORT_HINT;
    return { reason: 'unavailable', detail: `${context.url} closed the connection${hint}` };
  }
  return { reason: 'unavailable', detail: `talking to ${context.url} failed (${phase}): ${message.split('\n')[0]}` };
}
