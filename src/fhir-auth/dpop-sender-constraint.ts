import { DPOP_SIGNING_ALGS, DpopProofError, DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { OperationOutcomeError } from './operation-outcome.error';
import { SmartContext } from './smart-context';

/** Injection token of the DpopProofVerifier the FHIR guard checks proofs with. */
export const DPOP_PROOF_VERIFIER = Symbol('DPOP_PROOF_VERIFIER');

// Marks a request whose proof was already checked (the onRequest hook, then the guard, see the same request).
const CHECKED = Symbol('dpopChecked');

interface ProofRequest {
  method?: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  [CHECKED]?: string;
}

export interface PresentedToken {
  scheme: 'bearer' | 'dpop';
  token: string;
}

/**
 * The access token of an `Authorization: Bearer …` or `Authorization: DPoP …` header (scheme case-insensitive,
 * RFC 9110 §11.1), or undefined. Read on every FHIR request, so by position rather than a pattern over the token;
 * the only whitespace a field value can hold is SP and HTAB (RFC 9110 §5.5).
 */
export function accessTokenOf(authorization: unknown): PresentedToken | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^(Bearer|DPoP)[ \t]+/i.exec(authorization);
  if (!match) return undefined;
  const token = authorization.slice(match[0].length);
  if (token === '' || token.includes(' ') || token.includes('\t')) return undefined;
  return { scheme: match[1].length === 6 ? 'bearer' : 'dpop', token };
}

/**
 * RFC 9449 §7: a token bound with `cnf.jkt` is accepted only as `Authorization: DPoP` with a proof for this
 * request (htm, htu), this token (ath) and the bound key; a bound token sent as Bearer, or an unbound one sent
 * as DPoP, is refused. Bearer tokens without `cnf` pass untouched.
 */
export async function assertSenderConstraint(
  verifier: DpopProofVerifier,
  request: ProofRequest,
  smart: SmartContext,
  options: { realm: string; resourceBaseUrl: string; basePath: string },
  presented = accessTokenOf(request.headers.authorization),
): Promise<void> {
  if (!presented) return;
  if (!smart.dpopJkt) {
    if (presented.scheme === 'dpop') throw dpopChallenge(options.realm, 'invalid_token', 'The access token is not DPoP-bound');
    return;
  }
  if (presented.scheme !== 'dpop')
    throw dpopChallenge(options.realm, 'invalid_token', 'The access token is DPoP-bound: send it as Authorization: DPoP with a proof');
  if (request[CHECKED] === presented.token) return;
  try {
    const proof = DpopProofVerifier.headerValue(request.headers.dpop);
    if (proof === undefined) throw new DpopProofError('A DPoP proof is required with a DPoP-bound token');
    // §4.3 check 9: htu is the public URL of this resource, built from the configured base, not from Host.
    const below = request.url.startsWith(options.basePath) ? request.url.slice(options.basePath.length) : request.url;
    const { jkt } = await verifier.verify(proof, {
      htm: String(request.method ?? '').toUpperCase(),
      htu: `${options.resourceBaseUrl.replace(/\/+$/, '')}${below}`,
      accessToken: presented.token,
    });
    if (jkt !== smart.dpopJkt) throw new DpopProofError('The DPoP proof is not signed by the key the token is bound to');
  } catch (error) {
    if (error instanceof DpopProofError) throw dpopChallenge(options.realm, 'invalid_dpop_proof', error.description);
    throw error;
  }
  request[CHECKED] = presented.token;
}

// RFC 9449 §7.1: the DPoP challenge names the algorithms a proof may use.
function dpopChallenge(realm: string, error: 'invalid_token' | 'invalid_dpop_proof', description: string): OperationOutcomeError {
  return new OperationOutcomeError(401, 'login', description, {
    'WWW-Authenticate': `DPoP realm="${quote(realm)}", error="${error}", error_description="${quote(description)}", algs="${DPOP_SIGNING_ALGS.join(' ')}"`,
  });
}

function quote(value: string): string {
  return value.replace(/["\\]/g, "'");
}
