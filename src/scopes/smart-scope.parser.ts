import {
  INTERACTION_ORDER,
  Interaction,
  LaunchScope,
  ResourceScope,
  ResourceScopeParts,
  SCOPE_CONTEXTS,
  ScopeConstraint,
  ScopeContext,
  ScopeParseResult,
  SimpleScopeKind,
  SmartScope,
} from './smart-scope';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Anything else (controls, quotes,
// backslash, non-ASCII) cannot be a scope token at all, so it is reported as malformed.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;
const LAUNCH_TYPE = /^[a-z]+$/;
const SIMPLE_KINDS: ReadonlySet<string> = new Set<SimpleScopeKind>(['openid', 'fhirUser', 'profile', 'offline_access', 'online_access']);

// SMART App Launch 2.2 §Scopes for requesting FHIR Resources: the v1 suffixes are shorthands for fixed v2 letter sets.
const V1_SUFFIXES: Readonly<Record<string, readonly Interaction[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

export function parseScope(token: string): SmartScope | null {
  if (typeof token !== 'string' || !SCOPE_TOKEN.test(token)) return null;
  if (SIMPLE_KINDS.has(token)) return { kind: token as SimpleScopeKind, raw: token };
  if (token === 'launch' || token.startsWith('launch/') || token.startsWith('launch?')) return parseLaunch(token);
  const slash = token.indexOf('/');
  if (slash > 0 && (SCOPE_CONTEXTS as readonly string[]).includes(token.slice(0, slash))) {
    return parseResource(token, token.slice(0, slash) as ScopeContext, token.slice(slash + 1));
  }
  // SMART App Launch 2.2 §Extensibility: extension scopes are full URIs or `__` names. Unknown plain words are kept as
  // `other` too: RFC 6749 §3.3 lets the server ignore scopes it does not know, and whether to
  // ignore or refuse them is the authorize endpoint's policy, not the grammar's.
  if (token.startsWith('__') || token.includes(':')) return { kind: 'other', raw: token };
  if (looksLikeResourceScope(token)) return null;
  return { kind: 'other', raw: token };
}

export function parseScopes(scopeString: string | undefined | null): ScopeParseResult {
  const result: ScopeParseResult = { scopes: [], invalid: [] };
  if (typeof scopeString !== 'string') return result;
  const seen = new Set<string>();
  // RFC 6749 §3.3: tokens are separated by single spaces; runs of spaces are tolerated.
  for (const token of scopeString.split(' ')) {
    if (token === '' || seen.has(token)) continue;
    seen.add(token);
    const scope = parseScope(token);
    if (scope) result.scopes.push(scope);
    else result.invalid.push(token);
  }
  return result;
}

export function formatScopes(scopes: readonly SmartScope[]): string {
  return scopes.map((scope) => scope.raw).join(' ');
}

/** Builds a resource scope with a canonical `raw`, in v1 syntax only when asked for and exactly expressible. */
export function buildResourceScope(parts: ResourceScopeParts): ResourceScope {
  const interactions = sortInteractions(parts.interactions);
  const constraints = (parts.constraints ?? []).map(({ name, value }) => ({ name, value }));
  const v1Suffix = parts.version === 'v1' && constraints.length === 0 ? v1SuffixFor(interactions) : undefined;
  const suffix = v1Suffix ?? interactions.join('');
  const query = constraints.map((c) => `${encodePart(c.name, true)}=${encodePart(c.value, false)}`).join('&');
  return {
    kind: 'resource',
    raw: `${parts.context}/${parts.resourceType}.${suffix}${query ? `?${query}` : ''}`,
    context: parts.context,
    resourceType: parts.resourceType,
    interactions: new Set(interactions),
    version: v1Suffix ? 'v1' : 'v2',
    constraints,
  };
}

/** The v1 suffix (`read`, `write`, `*`) that means exactly these interactions, if there is one. */
export function v1SuffixFor(interactions: Iterable<Interaction>): string | undefined {
  const letters = sortInteractions(interactions).join('');
  return Object.keys(V1_SUFFIXES).find((suffix) => V1_SUFFIXES[suffix].join('') === letters);
}

export function sortInteractions(interactions: Iterable<Interaction>): Interaction[] {
  const set = new Set(interactions);
  return INTERACTION_ORDER.filter((letter) => set.has(letter));
}

function parseLaunch(token: string): LaunchScope | null {
  if (token === 'launch') return { kind: 'launch', raw: token };
  if (!token.startsWith('launch/')) return null;
  const [path, query] = splitOnce(token.slice('launch/'.length), '?');
  // SMART App Launch 2.2 §Standalone apps: launch context types are always lower case.
  if (!LAUNCH_TYPE.test(path)) return null;
  if (query === undefined) return { kind: 'launch', raw: token, launchType: path };
  const constraints = parseQuery(query);
  // SMART 2.2 defines only `role` as a launch-scope parameter, and only once.
  if (constraints?.length !== 1 || constraints[0].name !== 'role') return null;
  return { kind: 'launch', raw: token, launchType: path, role: constraints[0].value };
}

function parseResource(token: string, context: ScopeContext, rest: string): ResourceScope | null {
  const [path, query] = splitOnce(rest, '?');
  const [resourceType, suffix] = splitOnce(path, '.');
  if (suffix === undefined || (resourceType !== '*' && !RESOURCE_TYPE.test(resourceType))) return null;
  const v1 = V1_SUFFIXES[suffix];
  if (v1) {
    // SMART App Launch 2.2 §Finer-grained resource constraints using search parameters: granular parameters exist only in v2 syntax.
    if (query !== undefined) return null;
    return { kind: 'resource', raw: token, context, resourceType, interactions: new Set(v1), version: 'v1', constraints: [] };
  }
  const interactions = parseV2Letters(suffix);
  if (!interactions) return null;
  const constraints = query === undefined ? [] : parseQuery(query);
  if (!constraints) return null;
  return { kind: 'resource', raw: token, context, resourceType, interactions, version: 'v2', constraints };
}

// SMART App Launch 2.2 §Scopes for requesting FHIR Resources lets a server ignore, replace or reject out-of-order or undefined suffixes
// (`.dus`, `.rc`, `.x`). We reject them: guessing what a malformed scope meant could grant more
// than the app asked for, and a malformed token is reported so the caller can answer invalid_scope.
function parseV2Letters(suffix: string): Set<Interaction> | null {
  if (suffix === '') return null;
  const letters: Interaction[] = [];
  let position = 0;
  for (const letter of suffix) {
    const index = INTERACTION_ORDER.indexOf(letter as Interaction, position);
    if (index < 0) return null;
    letters.push(INTERACTION_ORDER[index]);
    position = index + 1;
  }
  return new Set(letters);
}

function parseQuery(query: string): ScopeConstraint[] | null {
  const constraints: ScopeConstraint[] = [];
  for (const pair of query.split('&')) {
    const [rawName, rawValue] = splitOnce(pair, '=');
    if (rawValue === undefined) return null;
    const name = safeDecode(rawName);
    const value = safeDecode(rawValue);
    if (!name || !value) return null;
    constraints.push({ name, value });
  }
  return constraints;
}

// A token with a slash and a dot after it (`foo/Bar.read`, `Patient/Observation.rs`) was almost
// certainly meant as a resource scope; reporting it as malformed beats silently ignoring it.
function looksLikeResourceScope(token: string): boolean {
  const slash = token.indexOf('/');
  return slash > 0 && token.indexOf('.', slash) > slash;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + separator.length)];
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// Escapes only what would break re-parsing (RFC 6749 §3.3 characters, `%`, `&`, and `=` in names),
// so common values such as `http://loinc.org|1234-5` stay readable in the scope string.
function encodePart(text: string, isName: boolean): string {
  const unsafe = isName ? /[^\x21\x23\x24\x27-\x3C\x3E-\x5B\x5D-\x7E]/gu : /[^\x21\x23\x24\x27-\x5B\x5D-\x7E]/gu;
  return text.replace(unsafe, (char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate cannot be UTF-8 encoded; U+FFFD stands in for it
    }
  });
}
