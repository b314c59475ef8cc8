import { KeyObject, sign } from 'node:crypto';
import type { SigningAlgorithm } from './signing-key.entity';

export interface JwsHeader {
  alg: SigningAlgorithm;
  kid: string;
  typ: string;
}

// RFC 7518 §3.3 (RSASSA-PKCS1-v1_5) and §3.4 (ECDSA, signature as the fixed-width R || S, which is what
// node:crypto calls ieee-p1363).
const SIGN_OPTIONS: Record<SigningAlgorithm, { keyType: string; digest: string; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { keyType: 'rsa', digest: 'sha256' },
  ES256: { keyType: 'ec', digest: 'sha256', dsaEncoding: 'ieee-p1363' },
};

/**
 * RFC 7515 compact serialisation of a JWS this server issues, signed by node:crypto with a callback: the
 * signature runs on libuv's thread pool and costs the event loop ~15 µs, where WebCrypto's job dispatch
 * (through jose) costs 60–90 µs on Node 20 (bench/profile/event-loop-cost.mjs). Only for our own header
 * and claims: every JWS we receive is parsed and verified by jose.
 */
export function signCompactJws(header: JwsHeader, payload: object, key: KeyObject): Promise<string> {
  const options = SIGN_OPTIONS[header.alg];
  if (!options) return Promise.reject(new Error(`unsupported signing algorithm ${String(header.alg)}`));
  if (key.asymmetricKeyType !== options.keyType) return Promise.reject(new Error(`${header.alg} needs an ${options.keyType} key`));
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return new Promise((resolve, reject) => {
    sign(options.digest, Buffer.from(signingInput), { key, dsaEncoding: options.dsaEncoding }, (error, signature) => {
      if (error) reject(error);
      else resolve(`${signingInput}.${signature.toString('base64url')}`);
    });
  });
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
