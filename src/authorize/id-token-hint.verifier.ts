import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { KeysService } from '../keys/keys.service';

// OIDC Core §3.1.2.1: id_token_hint is an ID token this server issued; it need not be unexpired.
const HINT_MAX_EXPIRED = '30 days';

@Injectable()
export class IdTokenHintVerifier {
  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {}

  /** The subject of an ID token this server signed, or null for anything else (access tokens included). */
  async subject(hint: string): Promise<string | null> {
    if (hint.length > 4096 || hint.split('.').length !== 3) return null;
    try {
      const payload = await this.keys.verify(hint, {
        issuer: this.config.issuer,
        typ: 'JWT',
        clockTolerance: HINT_MAX_EXPIRED,
        requiredClaims: ['sub', 'aud'],
      });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch {
      return null;
    }
  }
}
