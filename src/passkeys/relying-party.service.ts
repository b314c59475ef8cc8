import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { relyingPartyFor, WebAuthnRelyingParty } from '../config/webauthn-relying-party';

export class PasskeysUnavailableError extends Error {
  constructor(reason: string) {
    super(`Passkeys are not available on this server: ${reason}`);
    this.name = 'PasskeysUnavailableError';
  }
}

/** This server as a WebAuthn Relying Party, or why it cannot be one (PUBLIC_URL on an IP address or plain http). */
@Injectable()
export class RelyingPartyService implements OnModuleInit {
  private readonly logger = new Logger('Passkeys');

  constructor(private readonly config: AppConfig) {}

  get current(): WebAuthnRelyingParty | null {
    return this.config.webauthnRelyingParty;
  }

  required(): WebAuthnRelyingParty {
    const rp = this.config.webauthnRelyingParty;
    if (!rp) throw new PasskeysUnavailableError(this.reason());
    return rp;
  }

  reason(): string {
    const result = relyingPartyFor(this.config.publicUrl);
    return result.relyingParty ? '' : result.reason;
  }

  onModuleInit(): void {
    if (!this.current && this.config.nodeEnv !== 'test') this.logger.warn(`Passkeys are off: ${this.reason()}`);
  }
}
