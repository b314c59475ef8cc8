import { isIP } from 'node:net';
import { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import { DeadlineError, describeFailure, LdapFailure, LdapPhase } from './ldap-errors';
import { LdapEndpoint } from './ldap-settings-check';
import { LdapSettings } from './ldap-settings';

/** A whole sign-in or check is a handful of operations; past this many timeouts it is abandoned. */
const DEADLINE_OPERATIONS = 3;

export interface DirectorySession {
  client: Client;
  /** Names the step about to run, for the words of a failure. */
  step(phase: LdapPhase): void;
}

export type SessionResult<T> = { ok: true; value: T } | { ok: false; failure: LdapFailure };

/**
 * Certificate checks stay on (Node's defaults: chain to a trusted CA and the host named in the certificate,
 * RFC 6125); a private CA replaces the public ones rather than being added to them.
 */
function tlsOptions(settings: LdapSettings, endpoint: LdapEndpoint): ConnectionOptions {
  return {
    ...(settings.tlsCaPem ? { ca: [settings.tlsCaPem] } : {}),
    host: endpoint.host,
    // SNI carries host names only (RFC 6066 §3)
    ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
  };
}

/**
 * Opens one connection (StartTLS first when asked, RFC 4513 §3), runs `work`, and always unbinds and closes.
 * `timeoutMs` bounds the TCP/TLS connect and every operation; the whole session is bounded too, so a server
 * that answers slowly but just in time cannot hold a sign-in for long.
 */
export async function withDirectory<T>(
  settings: LdapSettings,
  endpoint: LdapEndpoint,
  work: (session: DirectorySession) => Promise<T>,
): Promise<SessionResult<T>> {
  const client = new Client({
    url: endpoint.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    ...(endpoint.secure ? { tlsOptions: tlsOptions(settings, endpoint) } : {}),
  });
  let phase: LdapPhase = 'connect';
  const session: DirectorySession = { client, step: (next) => (phase = next) };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError('deadline')), settings.timeoutMs * DEADLINE_OPERATIONS);
  });
  const run = async (): Promise<T> => {
    if (settings.startTls) {
      phase = 'starttls';
      await client.startTLS(tlsOptions(settings, endpoint));
    }
    return work(session);
  };
  try {
    return { ok: true, value: await Promise.race([run(), deadline]) };
  } catch (error) {
    return {
      ok: false,
      failure: describeFailure(error, phase, {
        url: endpoint.url,
        timeoutMs: settings.timeoutMs,
        userBase: settings.userBase,
        groupBase: settings.groupBase,
      }),
    };
  } finally {
    clearTimeout(timer);
    // The unbind request is written without waiting for an answer (RFC 4511 §4.3); the socket is then destroyed.
    await client.unbind().catch(() => undefined);
  }
}
