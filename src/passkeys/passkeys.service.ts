import { Injectable } from '@nestjs/common';
import { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { PasskeyAuthenticationService } from './passkey-authentication.service';
import { PasskeyCredentialEntity } from './passkey-credential.entity';
import { PasskeyCredentialsRepository } from './passkey-credentials.repository';
import { RelyingPartyService } from './relying-party.service';

/** What others may know of a passkey: never the public key or the counter. */
export interface PasskeySummary {
  id: string;
  name: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface SecondFactorResult {
  ok: boolean;
  /** RFC 8176 values of this assertion alone (e.g. ['hwk', 'user']); the caller adds its own (pwd, mfa). */
  amr: string[];
  /** The passkey that answered (its row id, for the audit trail), when ok. */
  passkeyId?: string;
}

/**
 * The passkeys module's public API. The second-factor page uses hasPasskeys, authenticationOptionsFor and
 * verifyAuthenticationFor; `binding` should name the browser (e.g. a hash of its cookie) so a challenge issued
 * to one browser cannot be answered from another.
 */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly relyingParty: RelyingPartyService,
    private readonly credentials: PasskeyCredentialsRepository,
    private readonly authentication: PasskeyAuthenticationService,
    private readonly audit: AuditService,
  ) {}

  /** False when PUBLIC_URL cannot be a WebAuthn RP ID (an IP address, or http other than localhost). */
  get available(): boolean {
    return this.relyingParty.current !== null;
  }

  async hasPasskeys(userId: string): Promise<boolean> {
    return this.available && (await this.credentials.hasAny(userId));
  }

  async list(userId: string): Promise<PasskeySummary[]> {
    return (await this.credentials.listForUser(userId)).map(summary);
  }

  /** Request options allowing only this person's credentials (user verification preferred); null if they have none. */
  authenticationOptionsFor(userId: string, binding = ''): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    if (!this.available) return Promise.resolve(null);
    return this.authentication.optionsFor(userId, binding);
  }

  /** Verifies the browser's assertion (JSON as posted) against a challenge from authenticationOptionsFor(userId, binding). */
  async verifyAuthenticationFor(userId: string, response: unknown, binding = ''): Promise<SecondFactorResult> {
    return this.authentication.verifyFor(userId, response, binding);
  }

  rename(userId: string, passkeyId: string, name: string): Promise<boolean> {
    return this.credentials.rename(userId, passkeyId, name);
  }

  /** Every passkey of the person (an operator's reset of all factors, audited there as mfa_reset). */
  removeAll(userId: string): Promise<number> {
    return this.credentials.removeAll(userId);
  }

  /** Removes one of the person's passkeys and audits it; `by` says whether they or an operator did. */
  async remove(userId: string, passkeyId: string, by: 'user' | 'operator', ip: string | null = null): Promise<boolean> {
    const removed = await this.credentials.remove(userId, passkeyId);
    if (removed)
      await this.audit.record({
        event: 'passkey_removed',
        outcome: 'success',
        userId,
        ip,
        detail: { passkey_id: removed.id, name: removed.name, by },
      });
    return !!removed;
  }
}

function summary(passkey: PasskeyCredentialEntity): PasskeySummary {
  return {
    id: passkey.id,
    name: passkey.name,
    deviceType: passkey.deviceType,
    backedUp: passkey.backedUp,
    transports: passkey.transports,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt,
  };
}
