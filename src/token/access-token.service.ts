import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
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

// RFC 9068 JWT access tokens (claims: AccessTokenClaims in src/access-tokens), verifiable offline against the
// JWKS by any resource server; this server verifies them with the AccessTokenVerifier.
@Injectable()
export class AccessTokenService {
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
}
