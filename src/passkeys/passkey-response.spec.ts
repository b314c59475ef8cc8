import { parseAuthenticationResponse, parseRegistrationResponse, passkeyName } from './passkey-response';

const assertion = () => ({
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln', userHandle: 'dXNlcg' },
  clientExtensionResults: { evil: 'x'.repeat(10) },
});

describe('parseAuthenticationResponse', () => {
  it('keeps the fields verification needs and drops extension outputs', () => {
    expect(parseAuthenticationResponse(assertion())).toEqual({
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln', userHandle: 'dXNlcg' },
    });
  });

  it.each([
    ['not an object', 'credential'],
    ['an array', []],
    ['another type', { ...assertion(), type: 'password' }],
    ['id and rawId differing', { ...assertion(), rawId: 'b3RoZXI' }],
    ['a non-base64url signature', { ...assertion(), response: { ...assertion().response, signature: 'a+b/' } }],
    ['an oversized authenticatorData', { ...assertion(), response: { ...assertion().response, authenticatorData: 'A'.repeat(5000) } }],
    ['a user handle that is not a string', { ...assertion(), response: { ...assertion().response, userHandle: 42 } }],
    ['no response', { ...assertion(), response: undefined }],
  ])('refuses %s', (_label, value) => {
    expect(parseAuthenticationResponse(value)).toBeNull();
  });

  it('accepts a missing user handle (a second factor names its user first)', () => {
    const { userHandle: _omitted, ...response } = assertion().response;
    expect(parseAuthenticationResponse({ ...assertion(), response })?.response.userHandle).toBeUndefined();
  });
});

describe('parseRegistrationResponse', () => {
  const attestation = {
    id: 'Y3JlZA',
    rawId: 'Y3JlZA',
    type: 'public-key',
    response: { clientDataJSON: 'e30', attestationObject: 'o2Nm', transports: ['internal', 'usb', 'carrier-pigeon', 7] },
  };

  it('keeps known transports only', () => {
    expect(parseRegistrationResponse(attestation)?.response.transports).toEqual(['internal', 'usb']);
  });

  it('refuses a missing attestation object', () => {
    expect(parseRegistrationResponse({ ...attestation, response: { clientDataJSON: 'e30' } })).toBeNull();
  });
});

describe('passkeyName', () => {
  it('trims and collapses spaces', () => {
    expect(passkeyName('  My   laptop ')).toBe('My laptop');
  });

  it.each([[''], ['   '], ['x'.repeat(65)], ['bad\u0000name'], ['lone \uD800'], [42]])('refuses %p', (value) => {
    expect(passkeyName(value)).toBeNull();
  });
});
