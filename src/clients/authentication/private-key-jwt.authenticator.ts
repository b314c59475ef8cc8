import { Injectable, Logger } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth/errors';
import { OutboundFetchError } from '../../common/outbound/outbound-fetch.error';
import { isStorableText } from '../../common/text/control-characters';
import { AppConfig } from '../../config/app-config';
import { ClientEntity } from '../client.entity';
import {
  bodyParameter,
  ClientAuthenticationEndpoint,
  ClientAuthenticationRequest,
  ClientAuthenticator,
  hasBodyParameter,
} from './client-authenticator';
import { verifyAssertion } from './assertion-signature';
import { ClientAssertionJtiRepository } from './client-assertion-jti.repository';
import { ClientJwksResolver } from './client-jwks.resolver';
import { ImportedKeyCache } from './imported-key.cache';
import { ROUTES } from '../../common/http/routes';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// SMART client-confidential-asymmetric: servers validate RS384 and/or ES384; the others are accepted too.
export const CLIENT_ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'] as const;
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 60;
export const JWKS_UNAVAILABLE = 'The client JWK Set could not be retrieved';
const ENDPOINT_PATHS: Record<ClientAuthenticationEndpoint, string> = {
  token: ROUTES.token,
  introspection: ROUTES.introspect,
  revocation: ROUTES.revoke,
  launch: ROUTES.launch,
};

function keyTypeFor(alg: string): string {
  return alg.startsWith('ES') ? 'EC' : 'RSA';
}

// RFC 7523 §3 as profiled by SMART client-confidential-asymmetric ("Signature verification").
@Injectable()
export class PrivateKeyJwtAuthenticator implements ClientAuthenticator {
  readonly method = 'private_key_jwt' as const;
  readonly signingAlgorithms = CLIENT_ASSERTION_ALGORITHMS;
  private readonly logger = new Logger(PrivateKeyJwtAuthenticator.name);
  private readonly importedKeys = new ImportedKeyCache();

  constructor(
    private readonly config: AppConfig,
    private readonly jwks: ClientJwksResolver,
    private readonly jtis: ClientAssertionJtiRepository,
  ) {}

  isPresentedBy(request: ClientAuthenticationRequest): boolean {
    return hasBodyParameter(request, 'client_assertion') || hasBodyParameter(request, 'client_assertion_type');
  }

  claimedClientId(request: ClientAuthenticationRequest): string {
    // RFC 7521 §4.2: an unsupported assertion type is a malformed request (400), as the ONC (g)(10) kit expects.
    if (bodyParameter(request, 'client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) {
      throw new InvalidRequestError(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
    }
    const assertion = bodyParameter(request, 'client_assertion');
    if (!assertion) throw new InvalidClientError('client_assertion is missing');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw new InvalidClientError('client_assertion is not a JWT');
    }
    if (typeof claims.iss !== 'string' || !claims.iss) throw new InvalidClientError('client_assertion has no iss');
    if (claims.sub !== claims.iss) throw new InvalidClientError('client_assertion sub must equal iss (the client_id)');
    return claims.iss;
  }

  async verify(client: ClientEntity, request: ClientAuthenticationRequest, endpoint: ClientAuthenticationEndpoint): Promise<void> {
    const assertion = bodyParameter(request, 'client_assertion') as string;
    const header = this.header(assertion);
    if (header.jku !== undefined && header.jku !== client.jwksUri) {
      throw new InvalidClientError('The jku header does not match the registered jwks_uri');
    }
    const jwk = await this.selectKey(client, header);
    const now = Math.floor(Date.now() / 1000);
    let payload: JWTPayload;
    try {
      const key = this.importedKeys.import(jwk, publicMembers);
      payload = await verifyAssertion(assertion, header, key, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.acceptedAudiences(endpoint),
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'jti'],
      });
    } catch (error) {
      this.logger.debug(`client ${client.clientId}: assertion rejected: ${(error as Error).message}`);
      throw new InvalidClientError('client_assertion is invalid (signature, aud, iss, sub or exp)');
    }
    // One audience, ours: an array would let an assertion minted for another server be replayed here too.
    if (typeof payload.aud !== 'string') throw new InvalidClientError('client_assertion aud must be a single string');
    const exp = payload.exp as number;
    if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
      throw new InvalidClientError('client_assertion exp is more than 5 minutes in the future');
    }
    // iat is optional (SMART clients omit it), but one from the future is not an assertion made now.
    if (payload.iat !== undefined && (payload.iat as number) > now + CLOCK_SKEW_SECONDS) {
      throw new InvalidClientError('client_assertion iat is in the future');
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256 || !isStorableText(payload.jti)) {
      throw new InvalidClientError('client_assertion jti is invalid');
    }
    // Kept until the assertion could no longer be accepted, skew included.
    const recorded = await this.jtis.recordOnce(client.clientId, payload.jti, new Date((exp + CLOCK_SKEW_SECONDS) * 1000));
    if (!recorded) throw new InvalidClientError('client_assertion jti has already been used');
  }

  private header(assertion: string): ProtectedHeaderParameters {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw new InvalidClientError('client_assertion is not a JWT');
    }
    if (!(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(header.alg as string)) {
      throw new InvalidClientError(`client_assertion alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
    }
    // RFC 7515 §4.1.9: typ is case-insensitive; clients that omit it are tolerated.
    if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
      throw new InvalidClientError('client_assertion typ must be JWT');
    }
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new InvalidClientError('client_assertion has no kid');
    return header;
  }

  // The one key whose kid equals the header kid and whose kty fits alg; none or several fail.
  private async selectKey(client: ClientEntity, header: ProtectedHeaderParameters): Promise<JWK> {
    const matching = (keys: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
      keys.filter(
        (key) =>
          key.kid === header.kid &&
          key.kty === keyTypeFor(header.alg as string) &&
          (key.alg === undefined || key.alg === header.alg) &&
          (key.use === undefined || key.use === 'sig') &&
          (!Array.isArray(key.key_ops) || key.key_ops.includes('verify')),
      );
    try {
      const resolved = await this.jwks.keysFor(client);
      let candidates = matching(resolved.keys);
      if (candidates.length === 0 && resolved.fromCache) {
        // The client may have rotated keys since the set was cached (refetched at most once a minute).
        const refreshed = await this.jwks.refreshedKeysFor(client);
        if (refreshed) candidates = matching(refreshed);
      }
      if (candidates.length !== 1) {
        throw new InvalidClientError(
          candidates.length === 0
            ? 'No registered key matches the assertion kid and alg'
            : 'Several registered keys match the assertion kid and alg',
        );
      }
      return candidates[0] as JWK;
    } catch (error) {
      // One text for every cause, so the answer does not tell internal hosts, ports or timeouts apart.
      if (error instanceof OutboundFetchError) {
        this.logger.debug(`client ${client.clientId}: jwks_uri: ${error.detail}`);
        throw new InvalidClientError(JWKS_UNAVAILABLE, { detail: error.detail });
      }
      throw error;
    }
  }

  private acceptedAudiences(endpoint: ClientAuthenticationEndpoint): string[] {
    const issuer = this.config.issuer;
    return [...new Set([`${issuer}/token`, issuer, `${issuer}${ENDPOINT_PATHS[endpoint]}`])];
  }
}

// Only the key material: use, key_ops and alg were checked above, and a cached key is addressed by its material.
function publicMembers(jwk: JWK): JWK {
  const { kty, crv, x, y, n, e } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined)) as JWK;
}
