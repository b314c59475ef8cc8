import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AccessRule, FhirAccessPolicy, isFhirId, OperationOutcomeError, resourceAllowed, SmartContextValue } from '../../fhir-auth';
import { Interaction } from '../../scopes';
import { BundleEntryRequest } from '../bundle-entry';
import { FhirBackend, FhirResponse } from '../fhir-response';
import { patchResource } from '../store/fhir-patch';
import { confineQuery, historyIsExact } from './search-confinement';
import { forwardedTransaction, upstreamRefusal } from './transaction-forwarding';
import { UpstreamFhirClient, UpstreamResponse } from './upstream-fhir.client';
import { UpstreamLinks } from './upstream-links';

type Json = Record<string, unknown>;

/**
 * Gateway mode (FHIR_UPSTREAM_URL): the same guard, then the request is forwarded. Searches are confined by
 * adding patient/category constraints to the forwarded query, and every returned resource is checked again.
 */
@Injectable()
export class FhirGatewayService implements FhirBackend {
  readonly mode = 'gateway' as const;
  private readonly fhirBaseUrl: string;
  private readonly links: UpstreamLinks | undefined;

  constructor(
    private readonly upstream: UpstreamFhirClient,
    private readonly policy: FhirAccessPolicy,
    config: AppConfig,
  ) {
    this.fhirBaseUrl = config.fhirBaseUrl;
    this.links = config.fhirUpstreamUrl ? new UpstreamLinks(config.fhirUpstreamUrl, config.fhirBaseUrl) : undefined;
  }

  async read(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse> {
    const response = await this.upstream.request('GET', `${resourceType}/${requireId(id)}`);
    return this.checkedResource(response, this.policy.rules(context, resourceType, 'r'), `${resourceType}/${id}`);
  }

  async vread(context: SmartContextValue, resourceType: string, id: string, versionId: string): Promise<FhirResponse> {
    if (!/^[1-9]\d{0,8}$/.test(versionId)) throw OperationOutcomeError.invalid('The version id must be a positive integer');
    const rules = this.policy.rules(context, resourceType, 'r');
    await this.visibleCurrent(resourceType, requireId(id), rules);
    const response = await this.upstream.request('GET', `${resourceType}/${id}/_history/${versionId}`);
    return this.checkedResource(response, rules, `${resourceType}/${id}/_history/${versionId}`);
  }

  // The query is forwarded as given, so the upstream applies its own strictness rules.
  async search(context: SmartContextValue, resourceType: string, query: URLSearchParams, _strict: boolean): Promise<FhirResponse> {
    const rules = this.policy.rules(context, resourceType, 's');
    const confined = confineQuery(resourceType, query, rules);
    if (!confined)
      return {
        status: 200,
        body: {
          resourceType: 'Bundle',
          type: 'searchset',
          total: 0,
          link: [{ relation: 'self', url: `${this.fhirBaseUrl}/${resourceType}` }],
          entry: [],
        },
      };
    const response = await this.upstream.request('GET', resourceType, confined.query);
    if (response.status !== 200 || response.body?.resourceType !== 'Bundle') return this.passThrough(response);
    const rulesFor = (resource: Json) => (resource.resourceType === resourceType ? rules : this.includeRules(context, resource));
    return { status: 200, body: this.filterBundle(response.body, rulesFor, confined.exact) };
  }

  async history(
    context: SmartContextValue,
    resourceType: string | undefined,
    id: string | undefined,
    query: URLSearchParams,
  ): Promise<FhirResponse> {
    if (resourceType && id) await this.visibleCurrent(resourceType, requireId(id), this.policy.rules(context, resourceType, 'r'));
    const path = [resourceType, id, '_history'].filter(Boolean).join('/');
    const response = await this.upstream.request('GET', path, query);
    if (response.status !== 200 || response.body?.resourceType !== 'Bundle') return this.passThrough(response);
    const interaction: Interaction = id ? 'r' : 's';
    const exact = resourceType !== undefined && historyIsExact(this.policy.rules(context, resourceType, interaction));
    return {
      status: 200,
      body: this.filterBundle(response.body, (resource) => this.policy.rules(context, String(resource.resourceType), interaction), exact),
    };
  }

  async create(context: SmartContextValue, resourceType: string, resource: Json): Promise<FhirResponse> {
    this.checkCreate(context, resourceType, resource);
    return this.passThrough(await this.upstream.request('POST', resourceType, undefined, resource));
  }

  async update(context: SmartContextValue, resourceType: string, id: string, resource: Json): Promise<FhirResponse> {
    await this.checkUpdate(context, resourceType, id, resource);
    return this.passThrough(await this.upstream.request('PUT', `${resourceType}/${id}`, undefined, resource));
  }

  async patch(context: SmartContextValue, resourceType: string, id: string, operations: unknown[]): Promise<FhirResponse> {
    const rules = this.policy.rules(context, resourceType, 'u');
    const current = await this.visibleCurrent(resourceType, requireId(id), [...this.policy.rules(context, resourceType, 'r'), ...rules]);
    if (!resourceAllowed(current, rules)) throw this.policy.forbiddenResource(context, resourceType, 'u');
    // The same bounded RFC 6902 code as the store: a patch cannot make this process do unbounded work.
    const patched = patchResource(current, operations);
    if (!resourceAllowed(patched, rules)) throw this.policy.forbiddenResource(context, resourceType, 'u');
    return this.passThrough(
      await this.upstream.request('PATCH', `${resourceType}/${id}`, undefined, operations, 'application/json-patch+json'),
    );
  }

  async delete(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse> {
    await this.checkDelete(context, resourceType, id);
    return this.passThrough(await this.upstream.request('DELETE', `${resourceType}/${id}`));
  }

  /**
   * Every entry is checked here first, as its own interaction would be (any refusal refuses the whole Bundle and
   * nothing is forwarded); the Bundle is then forwarded as one transaction, so the upstream server applies it
   * all or nothing. Searches are not forwarded inside a transaction: their confinement cannot be checked
   * before the upstream has run them (send them in a batch).
   */
  async transaction(context: SmartContextValue, entries: ReadonlyArray<BundleEntryRequest>): Promise<Json[]> {
    for (const entry of entries) await this.checkEntry(context, entry);
    const response = await this.upstream.request('POST', '', undefined, forwardedTransaction(entries));
    if (response.status >= 400) throw upstreamRefusal(response);
    if (response.status !== 200 || response.body?.resourceType !== 'Bundle' || !Array.isArray(response.body.entry)) {
      throw new OperationOutcomeError(502, 'transient', 'The upstream FHIR server did not answer the transaction with a Bundle');
    }
    return (response.body.entry as unknown[]).map((item, index) => this.responseEntry(context, entries[index], item));
  }

  private async checkEntry(context: SmartContextValue, entry: BundleEntryRequest): Promise<void> {
    const { resourceType, id } = entry;
    const resource = entry.resource as Json;
    if (
      (entry.method === 'POST' || entry.method === 'PUT') &&
      (typeof resource !== 'object' || resource === null || Array.isArray(resource))
    ) {
      throw OperationOutcomeError.invalid('The entry needs a resource');
    }
    if (entry.method === 'POST') return this.checkCreate(context, resourceType, resource);
    if (entry.method === 'PUT') return this.checkUpdate(context, resourceType, id as string, resource);
    if (entry.method === 'DELETE') return this.checkDelete(context, resourceType, id as string);
    if (id === undefined)
      throw new OperationOutcomeError(400, 'not-supported', 'In gateway mode a transaction cannot hold searches; send them in a batch');
    if (entry.versionId !== undefined && !/^[1-9]\d{0,8}$/.test(entry.versionId))
      throw OperationOutcomeError.invalid('The version id must be a positive integer');
    await this.visibleCurrent(resourceType, requireId(id), this.policy.rules(context, resourceType, 'r'));
  }

  // A response entry: its resource only when the token may see it (second line of defence), links rewritten.
  private responseEntry(context: SmartContextValue, request: BundleEntryRequest | undefined, item: unknown): Json {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Json;
    const response = (typeof entry.response === 'object' && entry.response !== null ? entry.response : {}) as Json;
    const resource = entry.resource as Json | undefined;
    const rules = request
      ? [...this.policy.rules(context, request.resourceType, 'r'), ...this.policy.rules(context, request.resourceType, request.interaction)]
      : [];
    const visible = !!resource && typeof resource === 'object' && resourceAllowed(resource, rules);
    const location = typeof response.location === 'string' ? this.rewrite(response.location) : undefined;
    const fullUrl = typeof entry.fullUrl === 'string' ? this.rewrite(entry.fullUrl) : undefined;
    const { location: _location, ...rest } = response;
    return {
      ...(fullUrl && visible ? { fullUrl } : {}),
      ...(visible ? { resource } : {}),
      response: { ...rest, ...(location ? { location } : {}) },
    };
  }

  private checkCreate(context: SmartContextValue, resourceType: string, resource: Json): void {
    if (resource.resourceType !== resourceType) throw OperationOutcomeError.invalid(`The body must be a ${resourceType} resource`);
    if (!resourceAllowed(resource, this.policy.rules(context, resourceType, 'c')))
      throw this.policy.forbiddenResource(context, resourceType, 'c');
  }

  private async checkUpdate(context: SmartContextValue, resourceType: string, id: string, resource: Json): Promise<void> {
    if (resource.resourceType !== resourceType || resource.id !== requireId(id))
      throw OperationOutcomeError.invalid('The body must be this resource, with the id of the URL');
    const rules = this.policy.rules(context, resourceType, 'u');
    const current = await this.upstream.request('GET', `${resourceType}/${id}`);
    const stored = current.status === 200 ? current.body : undefined;
    // As in the store: an instance the token cannot see, or a missing one it could not create, is 404, so its existence is not disclosed.
    if (stored && !resourceAllowed(stored, [...this.policy.rules(context, resourceType, 'r'), ...rules]))
      throw OperationOutcomeError.notFound(`${resourceType}/${id} is not known`);
    if (stored && !resourceAllowed(stored, rules)) throw this.policy.forbiddenResource(context, resourceType, 'u');
    if (!resourceAllowed(resource, rules))
      throw stored
        ? this.policy.forbiddenResource(context, resourceType, 'u')
        : OperationOutcomeError.notFound(`${resourceType}/${id} is not known`);
  }

  private async checkDelete(context: SmartContextValue, resourceType: string, id: string): Promise<void> {
    const rules = this.policy.rules(context, resourceType, 'd');
    const current = await this.visibleCurrent(resourceType, requireId(id), [...this.policy.rules(context, resourceType, 'r'), ...rules]);
    if (!resourceAllowed(current, rules)) throw this.policy.forbiddenResource(context, resourceType, 'd');
  }

  // Reads are checked after fetching: an out-of-scope instance answers like a missing one (SMART App Launch 2.2
  // §Finer-grained resource constraints using search parameters).
  private checkedResource(response: UpstreamResponse, rules: AccessRule[], label: string): FhirResponse {
    if (response.status !== 200) return this.passThrough(response, true);
    if (!response.body || !resourceAllowed(response.body, rules)) throw OperationOutcomeError.notFound(`${label} is not known`);
    return this.passThrough(response);
  }

  private async visibleCurrent(resourceType: string, id: string, rules: AccessRule[]): Promise<Json> {
    const response = await this.upstream.request('GET', `${resourceType}/${id}`);
    if (response.status !== 200 || !response.body || !resourceAllowed(response.body, rules))
      throw OperationOutcomeError.notFound(`${resourceType}/${id} is not known`);
    return response.body;
  }

  private includeRules(context: SmartContextValue, resource: Json): AccessRule[] {
    const type = String(resource.resourceType);
    return [...this.policy.rules(context, type, 's'), ...this.policy.rules(context, type, 'r')];
  }

  /**
   * Second line of defence: drop every entry no rule allows, and point links at this server (links elsewhere are
   * dropped). The upstream `total` is kept only when the forwarded query was exactly what the rules allow and
   * nothing was removed: otherwise it counts other patients' resources (`_summary=count`, `_history`).
   */
  private filterBundle(bundle: Json, rulesFor: (resource: Json) => AccessRule[], exact: boolean): Json {
    const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
    const kept = entries.filter((entry) => {
      const resource = entry.resource as Json | undefined;
      return !!resource && typeof resource === 'object' && resourceAllowed(resource, rulesFor(resource));
    });
    const links = Array.isArray(bundle.link) ? (bundle.link as Json[]) : [];
    const { total, ...rest } = bundle;
    return {
      ...rest,
      ...(exact && kept.length === entries.length && total !== undefined ? { total } : {}),
      link: links.flatMap((link) => {
        const url = typeof link.url === 'string' ? this.rewrite(link.url) : undefined;
        return url ? [{ ...link, url }] : [];
      }),
      entry: kept.map(({ fullUrl, ...entry }) => {
        const rewritten = typeof fullUrl === 'string' ? this.rewrite(fullUrl) : undefined;
        return rewritten ? { fullUrl: rewritten, ...entry } : entry;
      }),
    };
  }

  private rewrite(url: string): string | undefined {
    return this.links?.rewrite(url);
  }

  // Outcomes of a missing or deleted instance say nothing about whether the caller could have seen it.
  private passThrough(response: UpstreamResponse, hideGone = false): FhirResponse {
    if (hideGone && (response.status === 404 || response.status === 410)) throw OperationOutcomeError.notFound('The resource is not known');
    const headers = { ...response.headers };
    for (const name of ['Location', 'Content-Location']) {
      const rewritten = headers[name] ? this.rewrite(headers[name]) : undefined;
      if (rewritten) headers[name] = rewritten;
      else delete headers[name];
    }
    return { status: response.status, headers, body: response.body };
  }
}

function requireId(id: string): string {
  if (!isFhirId(id)) throw OperationOutcomeError.invalid('Resource ids are 1-64 characters of A-Z, a-z, 0-9, - and .');
  return id;
}
