import { isFhirId, OperationOutcomeError } from '../../fhir-auth';
import { MAX_SEARCH_INCLUDES, MAX_SEARCH_PARAMETERS, MAX_SEARCH_VALUES } from './store-limits';

export interface SearchFilter {
  name: string;
  /** OR-ed values of one parameter occurrence; occurrences are AND-ed. */
  values: string[];
}

export interface IncludeSpec {
  sourceType: string;
  element: string;
  targetType?: string;
}

export interface SearchRequest {
  filters: SearchFilter[];
  count: number;
  offset: number;
  sort: Array<{ field: 'last_updated' | 'id'; descending: boolean }>;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** The query string that reproduces this search (self and next links), without _offset. */
  canonicalQuery: URLSearchParams;
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

// The parameters the built-in store evaluates (docs/fhir.md lists them); anything else is ignored unless
// `Prefer: handling=strict` (FHIR R4 search.html#errors).
export const SUPPORTED_PARAMETERS = new Set([
  '_id',
  '_lastUpdated',
  'patient',
  'subject',
  'encounter',
  'category',
  'code',
  'date',
  'status',
  'name',
  'identifier',
  'gender',
  'clinical-status',
]);
const CONTROL_PARAMETERS = new Set(['_count', '_offset', '_sort', '_include', '_revinclude', '_format', '_total', '_summary', '_elements']);

export function parseSearchRequest(query: URLSearchParams, strict: boolean): SearchRequest {
  const request: SearchRequest = {
    filters: [],
    count: DEFAULT_COUNT,
    offset: 0,
    sort: [],
    include: [],
    revinclude: [],
    canonicalQuery: new URLSearchParams(),
  };
  let parameters = 0;
  for (const [rawName, value] of query) {
    if (++parameters > MAX_SEARCH_PARAMETERS) throw tooCostly(`A search may have at most ${MAX_SEARCH_PARAMETERS} parameters`);
    const name = rawName.trim();
    if (name === '_count') request.count = boundedInteger(value, '_count', 0, MAX_COUNT);
    else if (name === '_offset') request.offset = boundedInteger(value, '_offset', 0, 1_000_000);
    else if (name === '_sort') request.sort = parseSort(value);
    else if (name === '_include' || name === '_revinclude')
      request[name === '_include' ? 'include' : 'revinclude'].push(parseInclude(value, name));
    else if (SUPPORTED_PARAMETERS.has(name)) request.filters.push({ name, values: parseValues(name, value) });
    else if (CONTROL_PARAMETERS.has(name)) continue;
    else if (strict) throw OperationOutcomeError.invalid(`Search parameter '${name.slice(0, 64)}' is not supported`);
    else continue;
    if (name !== '_offset') request.canonicalQuery.append(name, value);
  }
  if (request.include.length + request.revinclude.length > MAX_SEARCH_INCLUDES)
    throw tooCostly(`A search may have at most ${MAX_SEARCH_INCLUDES} _include and _revinclude parameters`);
  return request;
}

// FHIR R4 issue type too-costly: the request is refused to protect the server (docs/fhir.md, "Limits").
function tooCostly(diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(400, 'too-costly', diagnostics);
}

function parseValues(name: string, raw: string): string[] {
  const values = raw.split(',', MAX_SEARCH_VALUES + 1).map((value) => value.trim());
  if (values.length > MAX_SEARCH_VALUES) throw tooCostly(`Search parameter '${name}' may have at most ${MAX_SEARCH_VALUES} values`);
  if (values.length === 0 || values.some((value) => value === '' || value.length > 512)) {
    throw OperationOutcomeError.invalid(`Search parameter '${name}' has an empty or overlong value`);
  }
  // PostgreSQL text cannot hold NUL (URLSearchParams has already replaced lone surrogates).
  if (values.some((value) => value.includes('\u0000')))
    throw OperationOutcomeError.invalid(`Search parameter '${name}' has a NUL character`);
  if (name === '_id' && !values.every(isFhirId)) throw OperationOutcomeError.invalid('_id values must be FHIR ids');
  return values;
}

function boundedInteger(raw: string, name: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(raw)) throw OperationOutcomeError.invalid(`${name} must be a non-negative integer`);
  return Math.min(Math.max(Number(raw), min), max);
}

function parseSort(raw: string): SearchRequest['sort'] {
  return raw
    .split(',')
    .map((key) => key.trim())
    .flatMap((key): SearchRequest['sort'] => {
      const descending = key.startsWith('-');
      const field = descending ? key.slice(1) : key;
      if (field === '_lastUpdated') return [{ field: 'last_updated', descending }];
      if (field === '_id') return [{ field: 'id', descending }];
      return [];
    });
}

function parseInclude(raw: string, name: string): IncludeSpec {
  const match = /^([A-Z][A-Za-z]{1,63}):([a-z][a-z0-9-]{0,63})(?::([A-Z][A-Za-z]{1,63}))?$/.exec(raw.trim());
  if (!match) throw OperationOutcomeError.invalid(`${name} must look like SourceType:parameter[:TargetType]`);
  return { sourceType: match[1], element: match[2], targetType: match[3] };
}
