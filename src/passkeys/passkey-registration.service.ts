import { Injectable } from '@nestjs/common';
import { generateRegistrationOptions, PublicKeyCredentialCreationOptionsJSON, verifyRegistrationResponse } from '@simplewebauthn/server';
import { UserEntity } from '../clients/user.entity';
import { CEREMONY_TIMEOUT_MS, PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyCredentialEntity } from './passkey-credential.entity';
import { PasskeyCredentialsRepository } from './passkey-credentials.repository';
import { parseRegistrationResponse } from './passkey-response';
import { RelyingPartyService } from './relying-party.service';
import { userHandleFor } from './user-handle';
import { verifyRedeeming } from './webauthn-verification';

export type RegistrationOutcome =
  | { ok: true; passkey: PasskeyCredentialEntity }
  | { ok: false; reason: 'malformed' | 'invalid' | 'duplicate' | 'too-many' };

/** WebAuthn §7.1: registering a new credential for a signed-in person. */
@Injectable()
export class PasskeyRegistrationService {
  constructor(
    private readonly relyingParty: RelyingPartyService,
    private readonly challenges: PasskeyChallengesService,
    private readonly credentials: PasskeyCredentialsRepository,
  ) {}

  /** Creation options; the challenge is stored for this person and `binding` (their sign-in session). */
  async options(user: UserEntity, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.relyingParty.required();
    const existing = await this.credentials.listForUser(user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.username,
      userID: userHandleFor(user.id),
      userDisplayName: user.displayName,
      timeout: CEREMONY_TIMEOUT_MS,
      // No attestation: this server trusts the person's choice of authenticator, and 'none' keeps responses small.
      attestationType: 'none',
      // The same authenticator is not registered twice (§5.4.3 excludeCredentials).
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await this.challenges.store(options.challenge, { purpose: 'registration', binding, userId: user.id });
    return options;
  }

  /**
   * Verifies the browser's response (origin, RP ID, challenge, user presence; the library does every check of
   * §7.1) and stores the credential. User verification is preferred, not required, so a security key without
   * a PIN can be registered; it then cannot be used for a passwordless sign-in, which requires it.
   */
  async register(user: UserEntity, binding: string, body: unknown, name: string): Promise<RegistrationOutcome> {
    const rp = this.relyingParty.required();
    const response = parseRegistrationResponse(body);
    if (!response) return { ok: false, reason: 'malformed' };
    const verification = await verifyRedeeming(
      (challenge) => this.challenges.redeem(challenge, { purpose: 'registration', binding, userId: user.id }),
      (expectedChallenge) =>
        verifyRegistrationResponse({
          response,
          expectedChallenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: false,
        }),
    );
    if (!verification?.verified) return { ok: false, reason: 'invalid' };
    const info = verification.registrationInfo;
    const inserted = await this.credentials.insert({
      userId: user.id,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: response.response.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name,
    });
    return inserted.status === 'created' ? { ok: true, passkey: inserted.passkey } : { ok: false, reason: inserted.status };
  }
}
