import { isResourceType, OperationOutcomeError } from '../fhir-auth';
import { Interaction } from '../scopes';
import { FhirResponse } from './fhir-response';

/** One `entry.request` of a batch or transaction Bundle, parsed (FHIR R4 bundle.html, Bundle.entry.request). */
export interface BundleEntryRequest {
  method: string;
  resourceType: string;
  id?: string;
  versionId?: string;
  query: URLSearchParams;
  interaction: Interaction;
  resource?: unknown;
  fullUrl?: string;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
};

export function parseEntry(entry: unknown, fhirBaseUrl: string): BundleEntryRequest | OperationOutcomeError {
  const request = (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request;
  const method = typeof request?.method === 'string' ? request.method.toUpperCase() : '';
  let url = typeof request?.url === 'string' ? request.url : '';
  if (url.startsWith(fhirBaseUrl)) url = url.slice(fhirBaseUrl.length);
  url = url.replace(/^\/+/, '');
  const [path, search = ''] = url.split('?', 2);
  const match = /^([A-Za-z]{1,64})(?:\/([^/]+)(?:\/_history\/([^/]+))?)?$/.exec(path);
  if (!match || !['GET', 'POST', 'PUT', 'DELETE'].includes(method))
    return OperationOutcomeError.invalid('Entry request needs method GET, POST, PUT or DELETE and a relative url Type[/id]');
  const [, resourceType, id, versionId] = match;
  if (!isResourceType(resourceType)) return new OperationOutcomeError(404, 'not-supported', 'Unknown resource type');
  if ((method === 'PUT' || method === 'DELETE') && id === undefined) return OperationOutcomeError.invalid(`${method} entries need Type/id`);
  if (method === 'POST' && id !== undefined) return OperationOutcomeError.invalid('POST entries create at the type level');
  const interaction: Interaction =
    method === 'POST' ? 'c' : method === 'PUT' ? 'u' : method === 'DELETE' ? 'd' : id === undefined ? 's' : 'r';
  const fullUrl = (entry as { fullUrl?: unknown }).fullUrl;
  return {
    method,
    resourceType,
    id,
    versionId,
    query: new URLSearchParams(search),
    interaction,
    resource: (entry as { resource?: unknown }).resource,
    ...(typeof fullUrl === 'string' ? { fullUrl } : {}),
  };
}

// FHIR R4 http.html#trules: a transaction is processed DELETE, then POST, then PUT (and PATCH), then GET, so its
// outcome does not depend on the order of the entries; the response keeps the order of the request.
const PROCESSING_ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };

/** Entry indexes in transaction processing order (stable within one method). */
export function processingOrder(entries: ReadonlyArray<BundleEntryRequest>): number[] {
  return entries
    .map((_, index) => index)
    .sort((a, b) => PROCESSING_ORDER[entries[a].method] - PROCESSING_ORDER[entries[b].method] || a - b);
}

/** FHIR R4 http.html#trules: if resource identities overlap in the DELETE, POST and PUT steps, the transaction fails. */
export function overlappingIdentity(entries: ReadonlyArray<BundleEntryRequest>): OperationOutcomeError | undefined {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.method !== 'PUT' && entry.method !== 'DELETE') continue;
    const identity = `${entry.resourceType}/${entry.id}`;
    if (seen.has(identity)) return OperationOutcomeError.invalid(`${identity} appears in more than one entry of the transaction`);
    seen.add(identity);
  }
  return undefined;
}

export function toEntry(response: FhirResponse): Record<string, unknown> {
  const headers = response.headers ?? {};
  return {
    ...(response.body === undefined ? {} : { resource: response.body }),
    response: {
      status: statusLine(response.status),
      ...(headers.Location ? { location: headers.Location } : {}),
      ...(headers.ETag ? { etag: headers.ETag } : {}),
    },
  };
}

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ? `${status} ${STATUS_TEXT[status]}` : String(status);
}
