import { SmartContextValue } from '../fhir-auth';
import type { BundleEntryRequest } from './bundle-entry';

export interface FhirResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Where FHIR interactions are carried out: the built-in store or an upstream server (gateway mode). */
export interface FhirBackend {
  readonly mode: 'store' | 'gateway';
  read(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse>;
  vread(context: SmartContextValue, resourceType: string, id: string, versionId: string): Promise<FhirResponse>;
  search(context: SmartContextValue, resourceType: string, query: URLSearchParams, strict: boolean): Promise<FhirResponse>;
  history(
    context: SmartContextValue,
    resourceType: string | undefined,
    id: string | undefined,
    query: URLSearchParams,
  ): Promise<FhirResponse>;
  create(context: SmartContextValue, resourceType: string, resource: Record<string, unknown>): Promise<FhirResponse>;
  update(context: SmartContextValue, resourceType: string, id: string, resource: Record<string, unknown>): Promise<FhirResponse>;
  patch(context: SmartContextValue, resourceType: string, id: string, operations: unknown[]): Promise<FhirResponse>;
  delete(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse>;
  /**
   * Carries out the entries of a transaction Bundle all or nothing (FHIR R4 http.html#transaction) and returns
   * the response entries in request order; `execute` carries out one entry. Any error leaves nothing changed.
   */
  transaction(
    context: SmartContextValue,
    entries: ReadonlyArray<BundleEntryRequest>,
    execute: (entry: BundleEntryRequest) => Promise<FhirResponse>,
  ): Promise<Record<string, unknown>[]>;
}

export const FHIR_BACKEND = Symbol('FHIR_BACKEND');
