import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type AssertionAlgorithm = 'RS384' | 'ES384' | 'RS256' | 'ES256' | 'PS384';

export interface ClientKeyPair {
  alg: AssertionAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  /** Public JWK with kid, alg, use and key_ops, as SMART clients (and Inferno) publish it. */
  publicJwk: JWK;
}

/** A fresh key pair for private_key_jwt clients. */
export async function generateClientKey(
  alg: AssertionAlgorithm = 'RS384',
  kid = `key-${randomBytes(6).toString('hex')}`,
): Promise<ClientKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', key_ops: ['verify'] };
  return { alg, kid, privateKey: privateKey as CryptoKey, publicJwk };
}

export interface AssertionOptions {
  clientId: string;
  /** Usually `${issuer}/token`. */
  audience: string | string[];
  key: ClientKeyPair | { alg: string; kid?: string; privateKey: CryptoKey | Uint8Array };
  /** Seconds from now; default 300 (what Inferno sends). */
  expiresIn?: number;
  jti?: string;
  /** Extra or overriding header members (e.g. jku, typ) and claims. */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

/** A SMART client-confidential-asymmetric assertion: {iss, sub, aud, exp, jti}, header {alg, kid, typ: JWT}. */
export async function buildClientAssertion(options: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: options.clientId,
    sub: options.clientId,
    aud: options.audience,
    exp: now + (options.expiresIn ?? 300),
    jti: options.jti ?? randomBytes(32).toString('hex'),
    ...options.claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.key.alg, kid: options.key.kid, typ: 'JWT', ...options.header })
    .sign(options.key.privateKey);
}

/** Form fields for a token request authenticated with private_key_jwt. */
export async function clientAssertionFields(options: AssertionOptions): Promise<Record<string, string>> {
  return { client_assertion_type: JWT_BEARER, client_assertion: await buildClientAssertion(options) };
}
