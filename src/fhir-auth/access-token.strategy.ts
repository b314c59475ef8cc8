import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { AccessTokenClaims, AccessTokenVerifier, InactiveReason } from '../access-tokens';
import { accessTokenOf } from './dpop-sender-constraint';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { SmartContext } from './smart-context';
import { smartContextFromClaims } from './smart-context.claims';

export const SMART_BEARER_STRATEGY = 'smart-bearer';
/** Injection token of the verifying passport strategy instance the guard uses. */
export const SMART_BEARER = Symbol('SMART_BEARER');

/** The presented token is not honoured; the guard answers 401 invalid_token. Any other error propagates. */
export class UnacceptableTokenError extends Error {
  constructor(readonly reason: InactiveReason | 'missing') {
    super(reason);
    this.name = 'UnacceptableTokenError';
  }
}

type VerifyCallback = (token: string, done: (error: unknown, user?: unknown) => void) => void;

/**
 * A passport strategy for the access token of an `Authorization: Bearer` (RFC 6750 §2.1) or, for a DPoP-bound
 * token, `Authorization: DPoP` header (RFC 9449 §7.1; the guard checks the proof). It hands the token to its
 * verify callback, which @nestjs/passport wires to `validate`.
 */
export class AuthorizationHeaderStrategy extends Strategy {
  constructor(private readonly verifyToken: VerifyCallback) {
    super();
  }

  override authenticate(request: { headers: Record<string, string | string[] | undefined> }): void {
    const presented = accessTokenOf(request.headers.authorization);
    if (!presented) {
      this.error(new UnacceptableTokenError('missing'));
      return;
    }
    this.verifyToken(presented.token, (error, user) =>
      user && !error ? this.success(user) : this.error((error as Error) ?? new UnacceptableTokenError('invalid')),
    );
  }
}

/**
 * The FHIR guard's strategy: the token is honoured when the AccessTokenVerifier says so for this resource
 * server's audience (this server's keys and revocation list, a remote JWKS or remote introspection), and the
 * handlers receive its SMART context.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(AuthorizationHeaderStrategy, SMART_BEARER_STRATEGY) {
  private readonly audience: string;
  // A cached verdict hands back the same claims object, so its context is built once per cache entry.
  private readonly contexts = new WeakMap<AccessTokenClaims, SmartContext | null>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Inject(FHIR_AUTH_OPTIONS) options: FhirAuthOptions,
  ) {
    super();
    this.audience = options.audience;
  }

  async validate(token: string): Promise<SmartContext> {
    const verdict = await this.verifier.verify(token, { audience: this.audience });
    if (!verdict.active) throw new UnacceptableTokenError(verdict.reason);
    let context = this.contexts.get(verdict.claims);
    if (context === undefined) {
      context = smartContextFromClaims(verdict.claims) ?? null;
      this.contexts.set(verdict.claims, context);
    }
    if (!context) throw new UnacceptableTokenError('invalid');
    return context;
  }
}
