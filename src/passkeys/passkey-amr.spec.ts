import { passkeyAmr } from './passkey-amr';

describe('passkeyAmr', () => {
  it('says hwk for a device-bound credential and swk for a synced or backup-eligible one', () => {
    expect(passkeyAmr({ deviceType: 'singleDevice', backedUp: false, userVerified: true })).toEqual(['hwk', 'user', 'mfa']);
    expect(passkeyAmr({ deviceType: 'multiDevice', backedUp: true, userVerified: true })).toEqual(['swk', 'user', 'mfa']);
    expect(passkeyAmr({ deviceType: 'multiDevice', backedUp: false, userVerified: true })).toEqual(['swk', 'user', 'mfa']);
  });

  it('claims mfa only when the authenticator verified the person', () => {
    expect(passkeyAmr({ deviceType: 'singleDevice', backedUp: false, userVerified: false })).toEqual(['hwk', 'user']);
  });
});
