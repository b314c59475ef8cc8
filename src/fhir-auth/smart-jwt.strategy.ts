import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { SmartContext } from './smart-context';
import { smartContextFromClaims } from './smart-context.claims';
import { SIGNING_KEY_SOURCE, SigningKeySource } from './signing-key.source';

export const SMART_BEARER_STRATEGY = 'smart-bearer';
/** Injection token of the verifying passport strategy instance the guard uses. */
export const SMART_BEARER = Symbol('SMART_BEARER');

export class UnacceptableTokenError extends Error {}

/**
 * Verifies the bearer JWT: one signature check against cached public keys, then exp, iss and aud (SMART App Launch 2.2
 * §Access FHIR API; RFC 9068 §4).
 */
@Injectable()
export class SmartJwtStrategy extends PassportStrategy(Strategy, SMART_BEARER_STRATEGY) {
  constructor(@Inject(FHIR_AUTH_OPTIONS) options: FhirAuthOptions, @Inject(SIGNING_KEY_SOURCE) keys: SigningKeySource) {
    super({
      // RFC 9449 §7.1: a DPoP-bound token comes as `Authorization: DPoP`; the guard checks its proof.
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), ExtractJwt.fromAuthHeaderWithScheme('DPoP')]),
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: (error: unknown, key?: string | Buffer) => void) => {
        const header = decodeHeader(rawJwt);
        // RFC 9068 §4: resource servers reject JWTs that are not typed as access tokens (e.g. id_tokens).
        if (!header || !/^(application\/)?at\+jwt$/i.test(String(header.typ))) return done(new UnacceptableTokenError('not an access token'));
        keys.publicKey(typeof header.kid === 'string' ? header.kid : undefined).then(
          (key) => (key ? done(null, key as unknown as Buffer) : done(new UnacceptableTokenError('unknown signing key'))),
          (error: unknown) => done(error),
        );
      },
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['ES256', 'RS256'],
      ignoreExpiration: false,
    });
  }

  validate(payload: Record<string, unknown>): SmartContext {
    const context = smartContextFromClaims(payload);
    if (!context) throw new UnacceptableTokenError('required claims are missing');
    return context;
  }
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
