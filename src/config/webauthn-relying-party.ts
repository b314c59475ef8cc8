import { isIP } from 'node:net';

/** The WebAuthn Relying Party this server is, derived from PUBLIC_URL (the OAuth issuer). */
export interface WebAuthnRelyingParty {
  /** RP ID: the issuer's host name (WebAuthn Level 3 §5.1.4.1: a valid domain, never an IP address). */
  id: string;
  /** The one origin whose ceremonies are accepted (WebAuthn §7.1 step 9 / §7.2 step 13). */
  origin: string;
  /** Shown by some authenticators while creating a passkey. */
  name: string;
}

export type RelyingPartyResult = { relyingParty: WebAuthnRelyingParty } | { relyingParty: null; reason: string };

/**
 * WebAuthn runs only in a secure context (https, or http on localhost, which browsers treat as secure) and
 * its RP ID must be a domain: an issuer on an IP address (e.g. http://127.0.0.1:3000) cannot offer passkeys.
 */
export function relyingPartyFor(publicUrl: string): RelyingPartyResult {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return { relyingParty: null, reason: 'PUBLIC_URL is not a URL' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return { relyingParty: null, reason: 'PUBLIC_URL names an IP address; WebAuthn needs a domain name as its RP ID' };
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    return { relyingParty: null, reason: 'PUBLIC_URL is not https; browsers offer WebAuthn only on https (or http://localhost)' };
  }
  return { relyingParty: { id: host, origin: url.origin, name: host } };
}
