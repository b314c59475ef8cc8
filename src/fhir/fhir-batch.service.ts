import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FhirAccessPolicy, isResourceType, OperationOutcomeError, SmartContextValue } from '../fhir-auth';
import { Interaction } from '../scopes';
import { MAX_BUNDLE_ENTRIES, MAX_BUNDLE_SEARCHES } from './store/store-limits';
import { FHIR_BACKEND, FhirBackend, FhirResponse } from './fhir-response';

interface EntryRequest {
  method: string;
  resourceType: string;
  id?: string;
  versionId?: string;
  query: URLSearchParams;
  interaction: Interaction;
  resource?: unknown;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity' };

/** Batch and transaction Bundles: every entry is checked on its own merits (SMART App Launch 2.2 §Batches and Transactions). */
@Injectable()
export class FhirBatchService {
  constructor(
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
    private readonly policy: FhirAccessPolicy,
    private readonly config: AppConfig,
  ) {}

  async process(context: SmartContextValue, body: unknown): Promise<FhirResponse> {
    const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle' || (bundle.type !== 'batch' && bundle.type !== 'transaction')) {
      throw OperationOutcomeError.invalid('POST to the FHIR base takes a Bundle of type batch or transaction');
    }
    const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
    if (entries.length > MAX_BUNDLE_ENTRIES) throw new OperationOutcomeError(400, 'too-costly', `At most ${MAX_BUNDLE_ENTRIES} entries per Bundle`);
    const parsed = entries.map((entry) => this.parseEntry(entry));
    const searches = parsed.filter((entry) => !(entry instanceof OperationOutcomeError) && entry.interaction === 's').length;
    if (searches > MAX_BUNDLE_SEARCHES) throw new OperationOutcomeError(400, 'too-costly', `At most ${MAX_BUNDLE_SEARCHES} search entries per Bundle`);
    if (bundle.type === 'transaction') {
      // All or nothing for authorization: a transaction with any refused entry changes nothing.
      for (const entry of parsed) {
        if (entry instanceof OperationOutcomeError) throw entry;
        if (!this.policy.isPermitted(context, entry.resourceType, entry.interaction)) throw this.policy.insufficientScope(context, entry.resourceType, entry.interaction);
      }
    }
    const results: Record<string, unknown>[] = [];
    for (const entry of parsed) results.push(await this.execute(context, entry));
    return {
      status: 200,
      body: { resourceType: 'Bundle', type: bundle.type === 'batch' ? 'batch-response' : 'transaction-response', entry: results },
    };
  }

  private async execute(context: SmartContextValue, entry: EntryRequest | OperationOutcomeError): Promise<Record<string, unknown>> {
    try {
      if (entry instanceof OperationOutcomeError) throw entry;
      if (!this.policy.isPermitted(context, entry.resourceType, entry.interaction)) throw this.policy.insufficientScope(context, entry.resourceType, entry.interaction);
      return toEntry(await this.dispatch(context, entry));
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      return { response: { status: statusLine(error.status), outcome: error.outcome() } };
    }
  }

  private dispatch(context: SmartContextValue, entry: EntryRequest): Promise<FhirResponse> {
    const { resourceType, id } = entry;
    switch (entry.method) {
      case 'GET':
        if (id === undefined) return this.backend.search(context, resourceType, entry.query, false);
        return entry.versionId ? this.backend.vread(context, resourceType, id, entry.versionId) : this.backend.read(context, resourceType, id);
      case 'POST':
        return this.backend.create(context, resourceType, requireResource(entry.resource));
      case 'PUT':
        return this.backend.update(context, resourceType, id as string, requireResource(entry.resource));
      default:
        return this.backend.delete(context, resourceType, id as string);
    }
  }

  private parseEntry(entry: unknown): EntryRequest | OperationOutcomeError {
    const request = (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request;
    const method = typeof request?.method === 'string' ? request.method.toUpperCase() : '';
    let url = typeof request?.url === 'string' ? request.url : '';
    if (url.startsWith(this.config.fhirBaseUrl)) url = url.slice(this.config.fhirBaseUrl.length);
    url = url.replace(/^\/+/, '');
    const [path, search = ''] = url.split('?', 2);
    const match = /^([A-Za-z]{1,64})(?:\/([^/]+)(?:\/_history\/([^/]+))?)?$/.exec(path);
    if (!match || !['GET', 'POST', 'PUT', 'DELETE'].includes(method)) return OperationOutcomeError.invalid('Entry request needs method GET, POST, PUT or DELETE and a relative url Type[/id]');
    const [, resourceType, id, versionId] = match;
    if (!isResourceType(resourceType)) return new OperationOutcomeError(404, 'not-supported', 'Unknown resource type');
    if ((method === 'PUT' || method === 'DELETE') && id === undefined) return OperationOutcomeError.invalid(`${method} entries need Type/id`);
    if (method === 'POST' && id !== undefined) return OperationOutcomeError.invalid('POST entries create at the type level');
    const interaction: Interaction = method === 'POST' ? 'c' : method === 'PUT' ? 'u' : method === 'DELETE' ? 'd' : id === undefined ? 's' : 'r';
    return { method, resourceType, id, versionId, query: new URLSearchParams(search), interaction, resource: (entry as { resource?: unknown }).resource };
  }
}

function toEntry(response: FhirResponse): Record<string, unknown> {
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

function statusLine(status: number): string {
  return STATUS_TEXT[status] ? `${status} ${STATUS_TEXT[status]}` : String(status);
}

function requireResource(resource: unknown): Record<string, unknown> {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) throw OperationOutcomeError.invalid('The entry needs a resource');
  return resource as Record<string, unknown>;
}
