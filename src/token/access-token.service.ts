import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { VerifiedTokenCache } from '../common/cache/verified-token.cache';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { KeysService } from '../keys/keys.service';
import { LaunchContext, pickLaunchContext } from './launch-context';

export interface MintAccessTokenInput {
  clientId: string;
  /** User id, or the client id for backend services. */
  subject: string;
  scope: string;
  lifetimeSeconds: number;
  grantId?: string | null;
  launchContext?: LaunchContext;
  /** Absolute URL of the user's FHIR resource. */
  fhirUser?: string | null;
  userRole?: string | null;
  /** The patients a restricted practitioner may see (users.restricted_to_patients); null = no restriction. */
  restrictedToPatients?: readonly string[] | null;
  /** The `aud` claim: this server's FHIR base unless the token is for a registered resource server (RFC 8707). */
  audience?: string;
  /** RFC 9449 §6.1: the DPoP key thumbprint the token is bound to (`cnf.jkt`). */
  dpopJkt?: string | null;
}

export interface MintedAccessToken {
  token: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
  expiresIn: number;
}

/** docs/architecture.md "Access tokens": the claims every resource server reads. */
export interface AccessTokenClaims extends LaunchContext {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  grant_id?: string;
  fhirUser?: string;
  user_role?: 'patient' | 'practitioner';
  restricted_to_patients?: string[];
  /** RFC 9449 §6.1 / RFC 7800: a DPoP-bound token's key thumbprint. */
  cnf?: { jkt: string };
}

// RFC 9068 JWT access tokens, verifiable offline against the JWKS by any resource server.
@Injectable()
export class AccessTokenService {
  private readonly verified = new VerifiedTokenCache<AccessTokenClaims>();

  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async mint(input: MintAccessTokenInput): Promise<MintedAccessToken> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const expiresIn = Math.max(1, Math.floor(input.lifetimeSeconds));
    const jti = randomUUID();
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: input.subject,
      aud: input.audience ?? this.config.fhirBaseUrl,
      client_id: input.clientId,
      scope: input.scope,
      jti,
      iat: issuedAt,
      exp: issuedAt + expiresIn,
      ...pickLaunchContext(input.launchContext as Record<string, unknown>),
    };
    if (input.grantId) claims.grant_id = input.grantId;
    if (input.fhirUser) claims.fhirUser = input.fhirUser;
    if (input.userRole === 'patient' || input.userRole === 'practitioner') claims.user_role = input.userRole;
    // The user's own limits bound every token issued for them; resource servers enforce the claim (docs/fhir.md).
    if (input.restrictedToPatients) claims.restricted_to_patients = [...input.restrictedToPatients];
    if (input.dpopJkt) claims.cnf = { jkt: input.dpopJkt };
    const token = await this.keys.sign(claims, this.config.accessTokenSigningAlg, 'at+jwt');
    return { token, jti, issuedAt, expiresAt: issuedAt + expiresIn, expiresIn };
  }

  /**
   * The claims of a token this server issued, or null when it is malformed, forged or expired. Any audience:
   * introspection reports `aud` and each resource server checks its own (the /fhir guard verifies separately).
   * With `ownAudienceOnly`, only a token for this server's FHIR base (a credential presented to this server).
   */
  async verify(token: string, options: { ownAudienceOnly?: boolean } = {}): Promise<AccessTokenClaims | null> {
    const claims = await this.verifyAnyAudience(token);
    return claims && options.ownAudienceOnly && claims.aud !== this.config.fhirBaseUrl ? null : claims;
  }

  private async verifyAnyAudience(token: string): Promise<AccessTokenClaims | null> {
    // 16 KiB: a token restricted to the maximum 100 patient ids of 64 characters is about 10 KiB.
    if (typeof token !== 'string' || token.length > 16_384 || token.split('.').length !== 3) return null;
    const known = this.verified.get(token);
    if (known) return known.exp > this.clock.now() / 1000 ? known : null;
    try {
      const payload = await this.keys.verify(token, {
        issuer: this.config.issuer,
        typ: 'at+jwt',
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['jti', 'exp', 'iat', 'sub', 'client_id', 'aud'],
      });
      if (typeof payload.scope !== 'string' || typeof payload.client_id !== 'string') return null;
      const claims = payload as unknown as AccessTokenClaims;
      this.verified.set(token, claims, claims.exp);
      return claims;
    } catch {
      return null;
    }
  }
}
