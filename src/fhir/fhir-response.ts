import { SmartContextValue } from '../fhir-auth';

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
  history(context: SmartContextValue, resourceType: string | undefined, id: string | undefined, query: URLSearchParams): Promise<FhirResponse>;
  create(context: SmartContextValue, resourceType: string, resource: Record<string, unknown>): Promise<FhirResponse>;
  update(context: SmartContextValue, resourceType: string, id: string, resource: Record<string, unknown>): Promise<FhirResponse>;
  patch(context: SmartContextValue, resourceType: string, id: string, operations: unknown[]): Promise<FhirResponse>;
  delete(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse>;
}

export const FHIR_BACKEND = Symbol('FHIR_BACKEND');
