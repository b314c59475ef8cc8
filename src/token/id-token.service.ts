import { Injectable } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { KeysService } from '../keys/keys.service';
import { acrForAmr } from '../mfa';

export interface MintIdTokenInput {
  clientId: string;
  userId: string;
  fhirUser?: string | null;
  name?: string | null;
  nonce?: string | null;
  authTime?: number | null;
  amr?: string[] | null;
  lifetimeSeconds: number;
}

// OIDC Core §2, SMART App Launch 2.2 §Scopes for requesting identity data: RS256, iss exactly the issuer, aud the
// client, fhirUser absolute.
@Injectable()
export class IdTokenService {
  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  mint(input: MintIdTokenInput): Promise<string> {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: input.userId,
      aud: input.clientId,
      iat: issuedAt,
      exp: issuedAt + Math.max(60, Math.floor(input.lifetimeSeconds)),
    };
    if (input.fhirUser) claims.fhirUser = input.fhirUser;
    if (input.name) claims.name = input.name;
    if (input.nonce) claims.nonce = input.nonce;
    if (input.authTime) claims.auth_time = input.authTime;
    // OIDC Core §2: amr, values from RFC 8176, when the sign-in says how the person authenticated.
    if (input.amr?.length) claims.amr = input.amr;
    // OIDC Core §2 acr: the authentication context class that sign-in satisfied (one factor or several).
    const acr = acrForAmr(input.amr);
    if (acr) claims.acr = acr;
    return this.keys.sign(claims, 'RS256', 'JWT');
  }

  /** `Practitioner/1` relative to the FHIR base becomes an absolute URL (SMART App Launch 2.2 §Scopes for requesting identity data). */
  absoluteFhirUser(fhirUser: string | null | undefined): string | null {
    if (!fhirUser) return null;
    return /^https?:\/\//.test(fhirUser) ? fhirUser : `${this.config.fhirBaseUrl}/${fhirUser.replace(/^\/+/, '')}`;
  }
}
