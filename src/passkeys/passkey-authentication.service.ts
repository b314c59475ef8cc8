import { Injectable } from '@nestjs/common';
import {
  AuthenticationResponseJSON,
  generateAuthenticationOptions,
  PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { AssertionFacts, passkeyAmr } from './passkey-amr';
import { CEREMONY_TIMEOUT_MS, ChallengeScope, PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyCredentialEntity } from './passkey-credential.entity';
import { PasskeyCredentialsRepository } from './passkey-credentials.repository';
import { parseAuthenticationResponse } from './passkey-response';
import { RelyingPartyService } from './relying-party.service';
import { encodedUserHandleFor } from './user-handle';
import { verifyRedeeming } from './webauthn-verification';

export type SignInFailure = 'malformed' | 'unknown-credential' | 'wrong-user' | 'invalid' | 'disabled';
export type SignInOutcome =
  | { ok: true; user: UserEntity; amr: string[]; passkeyId: string }
  | { ok: false; reason: SignInFailure /** The credential's owner, when the credential is known. */; userId?: string };

/** WebAuthn §7.2: verifying an assertion, for a passwordless sign-in or as the second factor of a known person. */
@Injectable()
export class PasskeyAuthenticationService {
  constructor(
    private readonly relyingParty: RelyingPartyService,
    private readonly challenges: PasskeyChallengesService,
    private readonly credentials: PasskeyCredentialsRepository,
    private readonly users: UsersService,
  ) {}

  /** Passwordless: no allowCredentials, so the authenticator offers its discoverable credentials for this RP. */
  async signInOptions(binding: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = this.relyingParty.required();
    const options = await generateAuthenticationOptions({ rpID: rp.id, timeout: CEREMONY_TIMEOUT_MS, userVerification: 'required' });
    await this.challenges.store(options.challenge, { purpose: 'sign-in', binding, userId: null });
    return options;
  }

  /** Who the credential names, if it is theirs, they are enabled and the assertion verifies with user verification. */
  async signIn(binding: string, body: unknown): Promise<SignInOutcome> {
    const response = parseAuthenticationResponse(body);
    if (!response) return { ok: false, reason: 'malformed' };
    const credential = await this.credentials.findByCredentialId(response.id);
    if (!credential) return { ok: false, reason: 'unknown-credential' };
    const userId = credential.userId;
    // §7.2 step 6: the person was not identified beforehand, so the user handle must name the credential's owner.
    if (response.response.userHandle !== encodedUserHandleFor(userId)) return { ok: false, reason: 'wrong-user', userId };
    const facts = await this.verify(credential, response, { purpose: 'sign-in', binding, userId: null }, true);
    if (!facts) return { ok: false, reason: 'invalid', userId };
    const user = await this.users.findById(userId);
    if (!user?.enabled) return { ok: false, reason: 'disabled', userId };
    return { ok: true, user, amr: passkeyAmr(facts), passkeyId: credential.id };
  }

  /** Second factor: only this person's credentials are allowed; null when they have none. */
  async optionsFor(userId: string, binding: string): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    const rp = this.relyingParty.required();
    const passkeys = await this.credentials.listForUser(userId);
    if (passkeys.length === 0) return null;
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      timeout: CEREMONY_TIMEOUT_MS,
      allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      userVerification: 'preferred',
    });
    await this.challenges.store(options.challenge, { purpose: 'second-factor', binding, userId });
    return options;
  }

  async verifyFor(userId: string, body: unknown, binding: string): Promise<{ ok: boolean; amr: string[]; passkeyId?: string }> {
    const refused = { ok: false, amr: [] };
    const response = parseAuthenticationResponse(body);
    if (!response || !this.relyingParty.current) return refused;
    const credential = await this.credentials.findByCredentialId(response.id);
    // Someone else's credential, or a user handle naming someone else: refused before the challenge is touched.
    if (!credential || credential.userId !== userId) return refused;
    if (response.response.userHandle !== undefined && response.response.userHandle !== encodedUserHandleFor(userId)) return refused;
    const facts = await this.verify(credential, response, { purpose: 'second-factor', binding, userId }, false);
    return facts ? { ok: true, amr: passkeyAmr(facts), passkeyId: credential.id } : refused;
  }

  private async verify(
    credential: PasskeyCredentialEntity,
    response: AuthenticationResponseJSON,
    scope: ChallengeScope,
    requireUserVerification: boolean,
  ): Promise<AssertionFacts | null> {
    const rp = this.relyingParty.required();
    const verification = await verifyRedeeming(
      (challenge) => this.challenges.redeem(challenge, scope),
      (expectedChallenge) =>
        verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: {
            id: credential.credentialId,
            publicKey: new Uint8Array(credential.publicKey),
            counter: Number(credential.counter),
            transports: credential.transports,
          },
          requireUserVerification,
        }),
    );
    if (!verification?.verified) return null;
    const info = verification.authenticationInfo;
    // The counter check (§7.2 step 22) is the library's; recordUse makes it hold across concurrent sign-ins too.
    if (!(await this.credentials.recordUse(credential.id, info.newCounter, info.credentialBackedUp))) return null;
    return { deviceType: credential.deviceType, backedUp: info.credentialBackedUp, userVerified: info.userVerified };
  }
}
