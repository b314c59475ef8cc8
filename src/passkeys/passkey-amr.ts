import { PasskeyDeviceType } from './passkey-credential.entity';

export interface AssertionFacts {
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  /** The authenticator's UV flag: it verified the person (PIN, fingerprint, face…) before signing. */
  userVerified: boolean;
}

/**
 * RFC 8176 authentication method references for one passkey assertion:
 * - `hwk` for a device-bound credential (single-device, not backed up: the private key never leaves the
 *   authenticator), `swk` for a synced or backup-eligible one (the key exists outside any one piece of hardware);
 * - `user` always: WebAuthn requires the UP (user presence) flag on every assertion (§7.2 step 16);
 * - `mfa` when the UV flag is set: the person proved possession of the key and unlocked it with a local PIN or
 *   biometric (NIST SP 800-63B §5.1.9 multi-factor cryptographic authenticator). Which one the authenticator
 *   used is not reported, so neither `pin` nor `fpt`/`face` is claimed.
 */
export function passkeyAmr(facts: AssertionFacts): string[] {
  const key = facts.deviceType === 'singleDevice' && !facts.backedUp ? 'hwk' : 'swk';
  return facts.userVerified ? [key, 'user', 'mfa'] : [key, 'user'];
}
