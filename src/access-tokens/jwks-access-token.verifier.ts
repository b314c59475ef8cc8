import { JWTPayload, jwtVerify, JWTVerifyOptions } from 'jose';
import { DEFAULT_ACCESS_TOKEN_CACHE } from './access-token.cache';
import { ACCESS_TOKEN_ALGORITHMS } from './access-token.claims';
import { RemoteAccessTokenOptions } from './remote-access-token.options';
import { RemoteJwks } from './remote-jwks';
import { SignedAccessTokenVerifier } from './signed-access-token.verifier';

/**
 * Offline verification against the authorization server's JWKS (another resource server): the same signature,
 * `typ`, `iss`, `exp`, required claims and audience as this server applies. It cannot see revocations or
 * disabled clients: such a token is honoured until it expires (docs/fhir.md, keep access tokens short).
 */
export class JwksAccessTokenVerifier extends SignedAccessTokenVerifier {
  private readonly jwks: RemoteJwks;

  constructor(options: RemoteAccessTokenOptions & { jwksUri: string }, clock: { now(): number } = Date) {
    super({ ...DEFAULT_ACCESS_TOKEN_CACHE, ...options.cache }, options.issuer, options.audience, clock);
    this.jwks = new RemoteJwks(options.jwksUri, clock);
  }

  protected async verifyJwt(token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
    return (await jwtVerify(token, this.jwks.key, { ...options, algorithms: ACCESS_TOKEN_ALGORITHMS })).payload;
  }
}
