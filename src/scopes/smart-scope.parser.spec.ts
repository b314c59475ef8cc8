import { ResourceScope, SmartScope } from './smart-scope';
import { buildResourceScope, formatScopes, parseScope, parseScopes, v1SuffixFor } from './smart-scope.parser';

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function resource(token: string): ResourceScope {
  const scope = parseScope(token);
  if (scope?.kind !== 'resource') throw new Error(`${token} did not parse as a resource scope`);
  return scope;
}

function letters(scope: ResourceScope): string {
  return [...scope.interactions].sort((a, b) => 'cruds'.indexOf(a) - 'cruds'.indexOf(b)).join('');
}

describe('parseScope', () => {
  describe('v2 resource scopes', () => {
    it.each([
      ['patient/Observation.rs', 'patient', 'Observation', 'rs'],
      ['user/Patient.r', 'user', 'Patient', 'r'],
      ['system/*.cruds', 'system', '*', 'cruds'],
      ['patient/*.c', 'patient', '*', 'c'],
      ['user/MedicationRequest.cud', 'user', 'MedicationRequest', 'cud'],
      ['patient/Encounter.s', 'patient', 'Encounter', 's'],
      ['patient/Condition.d', 'patient', 'Condition', 'd'],
      ['user/Observation.u', 'user', 'Observation', 'u'],
      ['system/Group.crs', 'system', 'Group', 'crs'],
      ['patient/AllergyIntolerance.rus', 'patient', 'AllergyIntolerance', 'rus'],
    ])('parses %s', (token, context, resourceType, expected) => {
      const scope = resource(token);
      expect(scope).toMatchObject({ kind: 'resource', raw: token, context, resourceType, version: 'v2', constraints: [] });
      expect(letters(scope)).toBe(expected);
    });

    it('parses a granular scope and URL-decodes its values', () => {
      expect(resource(`patient/Observation.rs?category=${LAB}`).constraints).toEqual([{ name: 'category', value: LAB }]);
      expect(resource('user/Observation.rs?code=http%3A%2F%2Floinc.org%7C1234-5&status=final').constraints).toEqual([
        { name: 'code', value: 'http://loinc.org|1234-5' },
        { name: 'status', value: 'final' },
      ]);
      expect(resource('patient/*.r?_tag=a%20b').constraints).toEqual([{ name: '_tag', value: 'a b' }]);
    });
  });

  describe('v1 resource scopes', () => {
    it.each([
      ['patient/Observation.read', 'rs'],
      ['user/Patient.write', 'cud'],
      ['system/*.*', 'cruds'],
      ['patient/*.read', 'rs'],
    ])('maps %s to %s', (token, expected) => {
      const scope = resource(token);
      expect(scope.version).toBe('v1');
      expect(scope.constraints).toEqual([]);
      expect(letters(scope)).toBe(expected);
    });
  });

  it.each([
    ['patient/Observation.dus', 'out-of-order letters'],
    ['patient/Observation.rc', 'out-of-order letters'],
    ['patient/Observation.rr', 'repeated letter'],
    ['patient/Observation.x', 'unknown letter'],
    ['patient/Observation.', 'empty suffix'],
    ['patient/Observation', 'no suffix'],
    ['patient/.rs', 'empty type'],
    ['patient/observation.rs', 'lower-case type'],
    ['patient/O.rs', 'one-letter type'],
    ['patient/Obs1.rs', 'digit in type'],
    ['patient/**.rs', 'double wildcard'],
    ['patient/Observation.rs.r', 'second dot'],
    ['patient/Observation.RS', 'upper-case letters'],
    ['patient/a/Observation.rs', 'extra path segment'],
    ['patient/', 'prefix only'],
    ['patient/Observation.read?category=x', 'v1 with query'],
    ['patient/Observation.rs?', 'empty query'],
    ['patient/Observation.rs?category', 'parameter without ='],
    ['patient/Observation.rs?=laboratory', 'empty parameter name'],
    ['patient/Observation.rs?category=', 'empty value'],
    ['patient/Observation.rs?category=a&', 'trailing &'],
    ['patient/Observation.rs?category=%E0%A4%A', 'malformed %-escape'],
    ['patient/Observation.rs?category=%', 'lone %'],
    ['foo/Bar.read', 'unknown prefix'],
    ['Patient/Observation.rs', 'capitalised context'],
    ['launch/Patient', 'upper-case launch type'],
    ['launch/', 'empty launch type'],
    ['launch/patient?', 'empty launch query'],
    ['launch/patient?foo=bar', 'unknown launch parameter'],
    ['launch/patient?role=a&role=b', 'repeated role'],
    ['launch?role=x', 'role on bare launch'],
    ['launch/patient/x', 'slash in launch type'],
    ['scope"quoted', 'RFC 6749 forbidden quote'],
    ['back\\slash', 'RFC 6749 forbidden backslash'],
    ['ünïcode', 'non-ASCII'],
    ['', 'empty'],
    ['open id', 'contains a space'],
  ])('rejects %p (%s)', (token) => {
    expect(parseScope(token)).toBeNull();
  });

  it.each<[string, SmartScope]>([
    ['launch', { kind: 'launch', raw: 'launch' }],
    ['launch/patient', { kind: 'launch', raw: 'launch/patient', launchType: 'patient' }],
    ['launch/encounter', { kind: 'launch', raw: 'launch/encounter', launchType: 'encounter' }],
    ['launch/imagingstudy', { kind: 'launch', raw: 'launch/imagingstudy', launchType: 'imagingstudy' }],
    [
      'launch/patient?role=https://example.org/role%20x',
      {
        kind: 'launch',
        raw: 'launch/patient?role=https://example.org/role%20x',
        launchType: 'patient',
        role: 'https://example.org/role x',
      },
    ],
    ['openid', { kind: 'openid', raw: 'openid' }],
    ['fhirUser', { kind: 'fhirUser', raw: 'fhirUser' }],
    ['profile', { kind: 'profile', raw: 'profile' }],
    ['offline_access', { kind: 'offline_access', raw: 'offline_access' }],
    ['online_access', { kind: 'online_access', raw: 'online_access' }],
    ['http://smarthealthit.org/fhir/scopes/patient/*.r', { kind: 'other', raw: 'http://smarthealthit.org/fhir/scopes/patient/*.r' }],
    ['urn:example:scope', { kind: 'other', raw: 'urn:example:scope' }],
    ['__internal/Thing.x', { kind: 'other', raw: '__internal/Thing.x' }],
    ['email', { kind: 'other', raw: 'email' }],
    ['fhiruser', { kind: 'other', raw: 'fhiruser' }],
    ['patient', { kind: 'other', raw: 'patient' }],
    ['foo/bar', { kind: 'other', raw: 'foo/bar' }],
  ])('parses %p', (token, expected) => {
    expect(parseScope(token)).toEqual(expected);
  });

  it('treats v1 and v2 spellings of the same permission as equivalent', () => {
    expect(resource('patient/Observation.read').interactions).toEqual(resource('patient/Observation.rs').interactions);
    expect(resource('user/Patient.write').interactions).toEqual(resource('user/Patient.cud').interactions);
    expect(resource('system/*.*').interactions).toEqual(resource('system/*.cruds').interactions);
  });

  it('never throws and returns null for non-string input', () => {
    expect(parseScope(undefined as unknown as string)).toBeNull();
    expect(parseScope(42 as unknown as string)).toBeNull();
  });
});

describe('parseScopes', () => {
  it('splits on runs of spaces, de-duplicates and keeps order', () => {
    const result = parseScopes('  openid   patient/Observation.rs launch/patient openid patient/.rs patient/.rs foo/Bar.read ');
    expect(result.scopes.map((s) => s.raw)).toEqual(['openid', 'patient/Observation.rs', 'launch/patient']);
    expect(result.invalid).toEqual(['patient/.rs', 'foo/Bar.read']);
  });

  it.each([undefined, null, '', '     ', 5 as unknown as string])('returns nothing for %p', (input) => {
    expect(parseScopes(input)).toEqual({ scopes: [], invalid: [] });
  });

  it('does not split on tabs, which RFC 6749 §3.3 does not allow as separators', () => {
    expect(parseScopes('openid\tprofile')).toEqual({ scopes: [], invalid: ['openid\tprofile'] });
  });

  it('never throws on random, long, unicode and %-laden input', () => {
    const alphabet = ['a', 'Z', '/', '.', '?', '&', '=', '%', '|', ':', '*', '_', ' ', 'é', '😀', '\u0000', 'r', 's', 'patient/', 'launch'];
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 400; i++) {
      const length = next() % (i % 50 === 0 ? 5000 : 40);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[next() % alphabet.length];
      expect(() => parseScopes(text)).not.toThrow();
      const { scopes, invalid } = parseScopes(text);
      expect(scopes.length + invalid.length).toBe(new Set(text.split(' ').filter(Boolean)).size);
    }
    expect(() => parseScopes(`patient/Observation.rs?code=${'%'.repeat(100000)}`)).not.toThrow();
    expect(() => parseScopes('patient/Observation.rs?x=\uD800')).not.toThrow();
  });
});

describe('formatScopes and buildResourceScope', () => {
  it('joins raw strings with single spaces', () => {
    expect(formatScopes(parseScopes('openid  patient/Observation.read launch').scopes)).toBe('openid patient/Observation.read launch');
    expect(formatScopes([])).toBe('');
  });

  it.each([
    [['r', 's'], 'v1', 'patient/Observation.read', 'v1'],
    [['c', 'u', 'd'], 'v1', 'patient/Observation.write', 'v1'],
    [['s', 'd', 'u', 'r', 'c'], 'v1', 'patient/Observation.*', 'v1'],
    [['r'], 'v1', 'patient/Observation.r', 'v2'],
    [['s', 'r'], 'v2', 'patient/Observation.rs', 'v2'],
  ] as const)('builds %p in %s as %s', (interactions, version, raw, actualVersion) => {
    const scope = buildResourceScope({ context: 'patient', resourceType: 'Observation', interactions, version });
    expect(scope.raw).toBe(raw);
    expect(scope.version).toBe(actualVersion);
  });

  it('uses v2 when a v1 request has constraints, and round-trips encoded values', () => {
    const constraints = [{ name: 'code', value: 'http://loinc.org|1 2&3%' }];
    const scope = buildResourceScope({ context: 'user', resourceType: '*', interactions: ['r', 's'], constraints, version: 'v1' });
    expect(scope.raw).toBe('user/*.rs?code=http://loinc.org|1%202%263%25');
    expect(resource(scope.raw).constraints).toEqual(constraints);
    expect(
      buildResourceScope({
        context: 'patient',
        resourceType: 'Observation',
        interactions: ['r'],
        constraints: [{ name: 'category', value: LAB }],
      }).raw,
    ).toBe(`patient/Observation.r?category=${LAB}`);
  });

  it.each([
    [['r', 's'], 'read'],
    [['c', 'u', 'd'], 'write'],
    [['c', 'r', 'u', 'd', 's'], '*'],
    [['r'], undefined],
    [['c', 'r', 'u', 'd'], undefined],
  ] as const)('v1SuffixFor(%p) is %p', (interactions, expected) => {
    expect(v1SuffixFor(interactions)).toBe(expected);
  });
});

describe('index barrel', () => {
  it('re-exports the public API', async () => {
    const api = await import('./index');
    const functions = ['parseScope', 'parseScopes', 'formatScopes', 'permittingScopes', 'isPermitted', 'resourceMatchesConstraints'];
    functions.push('resourcePermitted', 'requiredScopeFor', 'narrowScopes', 'restrictToApproved', 'isSubsetOf', 'narrowToCeiling');
    functions.push('describeScope', 'categoryAlternatives', 'buildResourceScope');
    for (const name of functions) expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    expect(Object.keys(api.CATEGORY_ALTERNATIVES)).toEqual(['Observation', 'Condition']);
    expect(api.INTERACTION_ORDER).toEqual(['c', 'r', 'u', 'd', 's']);
  });
});
