import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createHash } from 'node:crypto';

export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

/** A DPoP proof (RFC 9449 §4.2); `overrides` change claims or header fields to build bad proofs. */
export async function dpopProof(
  key: DpopKey,
  htm: string,
  htu: string,
  options: { accessToken?: string; claims?: Record<string, unknown>; header?: Record<string, unknown>; alg?: string } = {},
): Promise<string> {
  const claims: Record<string, unknown> = { htm, htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) };
  if (options.accessToken) claims.ath = createHash('sha256').update(options.accessToken).digest('base64url');
  return new SignJWT({ ...claims, ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...options.header })
    .sign(key.privateKey);
}
