import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { BoundedCache } from '../common/cache/bounded-cache';

/** RFC 9449 §5.1 dpop_signing_alg_values_supported: asymmetric algorithms only (§4.2: never `none` or a MAC). */
export const DPOP_SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'] as const;

/** How old a proof may be (RFC 9449 §11.1: a short window bounds the replay cache). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 300;
/** Tolerated clock skew for a client's `iat` in the future or past. */
const CLOCK_SKEW_SECONDS = 60;
const MAX_PROOF_LENGTH = 8_192;
const JTI_PATTERN = /^[\x21-\x7e]{1,256}$/;
// Replay records share the durable jti table with client assertions, namespaced so they never collide.
const REPLAY_NAMESPACE = 'dpop:';

export interface DpopProofExpectation {
  /** The request's method (RFC 9449 §4.3 check 8). */
  htm: string;
  /** The request's URL; query and fragment are ignored (§4.3 check 9). */
  htu: string;
  /** The access token the proof must be bound to through `ath` (§4.3 check 10); absent at /token. */
  accessToken?: string;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key (the `cnf.jkt` of a bound token, §6.1). */
  jkt: string;
}

/** A DPoP proof was sent and is unacceptable; the caller maps it to its surface's error. */
export class DpopProofError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'DpopProofError';
  }
}

/** RFC 9449 §4.2: base64url(SHA-256(ASCII(access token))). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** RFC 9449 §4.3 check 9: compare the URIs without query and fragment. */
export function normalizeHtu(value: string): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  url.search = '';
  url.hash = '';
  return url.href;
}

/** Records a proof's jti once; false when it was seen before (RFC 9449 §11.1). */
export interface DpopReplayStore {
  recordOnce(key: string, jti: string, expiresAt: Date): Promise<boolean>;
}

/**
 * A per-process replay store for resource servers without this server's database (FhirAuthModule.forRoot).
 * Bounded: at most `max` proofs, each kept as long as it could be accepted; when full, the oldest go first,
 * so a flood of fresh proofs could evict a recent one — size it above the proofs accepted per window.
 */
export class MemoryDpopReplayStore implements DpopReplayStore {
  private readonly seen: BoundedCache<string, true>;

  constructor(max = 100_000) {
    this.seen = new BoundedCache<string, true>({ max, ttlMs: (DPOP_PROOF_MAX_AGE_SECONDS + 2 * CLOCK_SKEW_SECONDS) * 1000 });
  }

  async recordOnce(key: string, jti: string): Promise<boolean> {
    const id = JSON.stringify([key, jti]);
    if (this.seen.has(id)) return false;
    this.seen.set(id, true);
    return true;
  }
}

// RFC 9449 §4.3: one verification of a DPoP proof JWT, used by /token and by the FHIR resource guard.
export class DpopProofVerifier {
  constructor(private readonly seen: DpopReplayStore) {}

  /** The header value if exactly one DPoP header was sent, undefined if none (§4.3 check 1). */
  static headerValue(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (Array.isArray(header) || header.includes(',')) throw new DpopProofError('Exactly one DPoP header is allowed');
    return header;
  }

  async verify(proof: string, expected: DpopProofExpectation): Promise<VerifiedDpopProof> {
    if (proof.length > MAX_PROOF_LENGTH || proof.split('.').length !== 3) throw new DpopProofError('The DPoP proof is not a JWT');
    let payload: Record<string, unknown>;
    let jwk: JWK;
    try {
      // EmbeddedJWK takes the key from the `jwk` header and refuses a private or symmetric one (§4.3 checks 5-7).
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...DPOP_SIGNING_ALGS],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        maxTokenAge: DPOP_PROOF_MAX_AGE_SECONDS,
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
      payload = verified.payload as Record<string, unknown>;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      throw new DpopProofError('The DPoP proof is invalid, expired or not signed by its jwk');
    }
    if (typeof jwk.d === 'string' || jwk.kty === 'oct') throw new DpopProofError('The DPoP jwk must be a public key');
    if (payload.htm !== expected.htm) throw new DpopProofError('The DPoP proof htm does not match the request method');
    const htu = typeof payload.htu === 'string' ? normalizeHtu(payload.htu) : null;
    if (!htu || htu !== normalizeHtu(expected.htu)) throw new DpopProofError('The DPoP proof htu does not match the request URL');
    if (expected.accessToken === undefined) {
      if (payload.ath !== undefined) throw new DpopProofError('The DPoP proof must not carry ath here');
    } else if (payload.ath !== accessTokenHash(expected.accessToken)) {
      throw new DpopProofError('The DPoP proof ath does not match the access token');
    }
    if (typeof payload.jti !== 'string' || !JTI_PATTERN.test(payload.jti)) throw new DpopProofError('The DPoP proof jti is malformed');
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    // §11.1: each proof once, across every process sharing the database, for as long as it could be accepted.
    const iat = payload.iat as number;
    const expiresAt = new Date((iat + DPOP_PROOF_MAX_AGE_SECONDS + 2 * CLOCK_SKEW_SECONDS) * 1000);
    if (!(await this.seen.recordOnce(`${REPLAY_NAMESPACE}${jkt}`, payload.jti, expiresAt))) {
      throw new DpopProofError('The DPoP proof has already been used');
    }
    return { jkt };
  }
}
