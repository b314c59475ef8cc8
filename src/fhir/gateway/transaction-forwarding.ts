import { IssueCode, OperationOutcomeError } from '../../fhir-auth';
import { BundleEntryRequest } from '../bundle-entry';
import { UpstreamResponse } from './upstream-fhir.client';

type Json = Record<string, unknown>;

/** The checked entries of a transaction Bundle, as the Bundle forwarded to the upstream server. */
export function forwardedTransaction(entries: ReadonlyArray<BundleEntryRequest>): Json {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((entry) => ({
      // urn:uuid: references between entries are resolved by the upstream server (FHIR R4 bundle.html#references).
      ...(entry.fullUrl?.startsWith('urn:uuid:') ? { fullUrl: entry.fullUrl } : {}),
      ...(entry.method === 'POST' || entry.method === 'PUT' ? { resource: entry.resource } : {}),
      request: { method: entry.method, url: entryPath(entry) },
    })),
  };
}

function entryPath(entry: BundleEntryRequest): string {
  const instance = entry.id === undefined ? entry.resourceType : `${entry.resourceType}/${entry.id}`;
  return entry.versionId === undefined ? instance : `${instance}/_history/${entry.versionId}`;
}

// The upstream refused the transaction (and, being a transaction, changed nothing): its status and first issue.
export function upstreamRefusal(response: UpstreamResponse): OperationOutcomeError {
  const issue = Array.isArray(response.body?.issue) ? ((response.body.issue as unknown[])[0] as Json | undefined) : undefined;
  const code = typeof issue?.code === 'string' && /^[a-z-]{1,40}$/.test(issue.code) ? issue.code : 'processing';
  const diagnostics =
    typeof issue?.diagnostics === 'string' ? issue.diagnostics.slice(0, 500) : 'The upstream FHIR server refused the transaction';
  return new OperationOutcomeError(response.status, code as IssueCode, diagnostics);
}
