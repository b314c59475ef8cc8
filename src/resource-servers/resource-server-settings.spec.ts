import { parseScopes } from '../scopes';
import {
  checkAudience,
  checkBaseUrl,
  checkScopeCeiling,
  InvalidResourceServerError,
  withinResourceServer,
} from './resource-server-settings';

const checks = { fhirBaseUrl: 'https://auth.example.org/fhir', production: false };

describe('resource server settings', () => {
  it('normalizes the base URL and allows loopback http only outside production', () => {
    expect(checkBaseUrl('https://Labs.Example.org/fhir/', checks)).toBe('https://labs.example.org/fhir');
    expect(checkBaseUrl('http://127.0.0.1:8080/fhir', checks)).toBe('http://127.0.0.1:8080/fhir');
    expect(() => checkBaseUrl('http://127.0.0.1:8080/fhir', { ...checks, production: true })).toThrow(InvalidResourceServerError);
    expect(() => checkBaseUrl('http://labs.example.org/fhir', checks)).toThrow(/https/);
    for (const bad of [
      'labs/fhir',
      'https://labs.example.org/fhir#x',
      'https://labs.example.org/fhir?a=1',
      'https://u:p@labs.example.org/fhir',
      'https://auth.example.org/fhir/',
      42,
    ]) {
      expect(() => checkBaseUrl(bad, checks)).toThrow(InvalidResourceServerError);
    }
  });

  it("refuses this server's own FHIR base as an audience", () => {
    expect(checkAudience('urn:example:labs', checks)).toBe('urn:example:labs');
    expect(() => checkAudience('https://AUTH.example.org/fhir/', checks)).toThrow(/own FHIR base/);
  });

  it('takes only resource scopes as a ceiling', () => {
    expect(checkScopeCeiling('patient/Observation.rs system/*.rs')).toBe('patient/Observation.rs system/*.rs');
    expect(() => checkScopeCeiling('openid patient/Observation.rs')).toThrow(/only resource scopes/);
    expect(() => checkScopeCeiling('')).toThrow(InvalidResourceServerError);
  });

  it('narrows resource scopes to the ceiling and leaves identity and launch scopes alone', () => {
    const requested = parseScopes('openid launch/patient patient/*.rs patient/Condition.rs offline_access').scopes;
    const ceiling = parseScopes('patient/Observation.rs').scopes;
    expect(withinResourceServer(requested, ceiling).map((scope) => scope.raw)).toEqual([
      'openid',
      'launch/patient',
      'patient/Observation.rs',
      'offline_access',
    ]);
    expect(withinResourceServer(requested, null)).toEqual(requested);
  });
});
