import { Filter, FilterParser } from 'ldapts';

export const DEFAULT_GROUP_FILTER = '(|(member={dn})(uniqueMember={dn}))';

type Placeholder = 'username' | 'dn';
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export class FilterTemplateError extends Error {}

/**
 * Puts values into an operator's filter template. Each value is escaped by ldapts (Filter.escape: `*`, `(`, `)`,
 * `\` and NUL become \2a, \28, \29, \5c, \00 as RFC 4515 §3 requires), so a username such as `*` or `a)(uid=*`
 * is only ever an assertion value, never filter syntax. The text is parsed here, so a malformed template is
 * reported as a configuration problem rather than sent to the directory.
 */
export function fillFilter(template: string, values: Partial<Record<Placeholder, string>>): Filter {
  const text = template.replace(PLACEHOLDER, (whole: string, name: string) => {
    const value = values[name as Placeholder];
    if (value === undefined) throw new FilterTemplateError(`${whole} cannot be used in this filter`);
    return Filter.escape(value);
  });
  try {
    return FilterParser.parseString(text);
  } catch (error) {
    throw new FilterTemplateError(`not a valid LDAP filter (RFC 4515): ${(error as Error).message}`);
  }
}

/** Names of the placeholders a template uses. */
export function placeholdersOf(template: string): Set<string> {
  return new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]));
}

/** A plain-words problem with a filter template, or null when it is usable. */
export function filterTemplateProblem(label: string, template: string, allowed: Placeholder[], needsOneOf: Placeholder[]): string | null {
  const used = placeholdersOf(template);
  if (!needsOneOf.some((name) => used.has(name))) {
    return `the ${label} must contain ${needsOneOf.map((name) => `{${name}}`).join(' or ')}`;
  }
  const sample = Object.fromEntries(allowed.map((name) => [name, name === 'dn' ? 'uid=sample,dc=example' : 'sample']));
  try {
    fillFilter(template, sample);
    return null;
  } catch (error) {
    return `the ${label} ${template} cannot be used: ${(error as Error).message}`;
  }
}
