import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isStorableText } from '../common/text/control-characters';

// Bounds on what a browser sends back (WebAuthn §5.2): a credential ID is at most 1023 bytes, a user handle at
// most 64; attestation 'none' keeps the attestation object small, and post-quantum signatures stay under 5 KB.
const LIMITS = { id: 1400, clientDataJSON: 4096, attestationObject: 16_384, authenticatorData: 4096, signature: 8192, userHandle: 100 };
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
export const MAX_PASSKEY_NAME = 64;

/** A registration response (navigator.credentials.create) in its JSON form, or null when malformed. */
export function parseRegistrationResponse(value: unknown): RegistrationResponseJSON | null {
  const base = common(value);
  const response = object(object(value)?.response);
  if (!base || !response) return null;
  const clientDataJSON = encoded(response.clientDataJSON, LIMITS.clientDataJSON);
  const attestationObject = encoded(response.attestationObject, LIMITS.attestationObject);
  if (!clientDataJSON || !attestationObject) return null;
  const transports = Array.isArray(response.transports)
    ? response.transports.filter((item): item is string => typeof item === 'string' && TRANSPORTS.has(item)).slice(0, TRANSPORTS.size)
    : [];
  return { ...base, response: { clientDataJSON, attestationObject, transports } };
}

/** An authentication response (navigator.credentials.get) in its JSON form, or null when malformed. */
export function parseAuthenticationResponse(value: unknown): AuthenticationResponseJSON | null {
  const base = common(value);
  const response = object(object(value)?.response);
  if (!base || !response) return null;
  const clientDataJSON = encoded(response.clientDataJSON, LIMITS.clientDataJSON);
  const authenticatorData = encoded(response.authenticatorData, LIMITS.authenticatorData);
  const signature = encoded(response.signature, LIMITS.signature);
  const userHandle =
    response.userHandle === undefined || response.userHandle === null ? undefined : encoded(response.userHandle, LIMITS.userHandle);
  if (!clientDataJSON || !authenticatorData || !signature || userHandle === null) return null;
  return { ...base, response: { clientDataJSON, authenticatorData, signature, ...(userHandle ? { userHandle } : {}) } };
}

/** A person's name for a passkey: trimmed printable text, at most MAX_PASSKEY_NAME characters; null if unusable. */
export function passkeyName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim().replace(/\s+/g, ' ');
  return name && [...name].length <= MAX_PASSKEY_NAME && isStorableText(name) ? name : null;
}

function common(value: unknown): {
  id: string;
  rawId: string;
  type: 'public-key';
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment?: 'platform' | 'cross-platform';
} | null {
  const credential = object(value);
  if (credential?.type !== 'public-key') return null;
  const id = encoded(credential.id, LIMITS.id);
  if (!id || credential.rawId !== id) return null;
  const attachment = credential.authenticatorAttachment;
  // Extension outputs are not used; none are passed on.
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    ...(attachment === 'platform' || attachment === 'cross-platform' ? { authenticatorAttachment: attachment } : {}),
  };
}

function object(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function encoded(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max && BASE64URL.test(value) ? value : null;
}
