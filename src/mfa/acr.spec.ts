import { acrForAmr, ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, requiresMultiFactor, withSecondFactor } from './acr';

describe('authentication context classes', () => {
  it('states multi-factor exactly when amr contains mfa, and nothing for an unknown method', () => {
    expect(acrForAmr(['pwd', 'otp', 'mfa'])).toBe(ACR_MULTI_FACTOR);
    expect(acrForAmr(['pwd'])).toBe(ACR_SINGLE_FACTOR);
    expect(acrForAmr([])).toBeUndefined();
    expect(acrForAmr(null)).toBeUndefined();
  });

  it('requires multi-factor only when every known requested value is the multi-factor class', () => {
    expect(requiresMultiFactor([ACR_MULTI_FACTOR])).toBe(true);
    expect(requiresMultiFactor(['urn:example:unknown', ACR_MULTI_FACTOR])).toBe(true);
    expect(requiresMultiFactor([ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR])).toBe(false);
    expect(requiresMultiFactor(['urn:example:unknown'])).toBe(false);
    expect(requiresMultiFactor([])).toBe(false);
    expect(requiresMultiFactor(undefined)).toBe(false);
  });

  it('adds the second factor and mfa once', () => {
    expect(withSecondFactor(['pwd'], ['otp'])).toEqual(['pwd', 'otp', 'mfa']);
    expect(withSecondFactor(['pwd', 'mfa'], ['otp'])).toEqual(['pwd', 'mfa', 'otp']);
  });
});
