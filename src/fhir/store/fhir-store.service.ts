import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { FhirAccessPolicy, isFhirId, OperationOutcomeError, resourceAllowed, SmartContextValue } from '../../fhir-auth';
import { BundleEntryRequest, processingOrder, toEntry } from '../bundle-entry';
import { BundleBuilder } from '../bundle.builder';
import { FhirBackend, FhirResponse } from '../fhir-response';
import { FhirWriteValidator } from '../validation/fhir-write.validator';
import { patchResource } from './fhir-patch';
import { FhirResourceRepository, StoredVersion } from './fhir-resource.repository';
import { FhirStoreSearch } from './fhir-store.search';

/**
 * FHIR R4 interactions on the built-in store, each confined by the token's access rules (SMART App Launch 2.2 §Scopes
 * for requesting FHIR Resources).
 */
@Injectable()
export class FhirStoreService implements FhirBackend {
  readonly mode = 'store' as const;
  private readonly bundles: BundleBuilder;

  constructor(
    private readonly repository: FhirResourceRepository,
    private readonly policy: FhirAccessPolicy,
    private readonly searcher: FhirStoreSearch,
    config: AppConfig,
    private readonly writes: FhirWriteValidator,
  ) {
    this.bundles = new BundleBuilder(config.fhirBaseUrl);
  }

  async read(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse> {
    const current = await this.repository.findCurrent(resourceType, requireId(id));
    // Out-of-scope instances answer exactly like missing ones: their existence is not disclosed (SMART App Launch 2.2
    // §Finer-grained resource constraints using search parameters).
    if (!current?.resource || !resourceAllowed(current.resource, this.policy.rules(context, resourceType, 'r')))
      throw notFound(resourceType, id);
    if (current.deleted) throw new OperationOutcomeError(410, 'deleted', `${resourceType}/${id} has been deleted`);
    return ok(current);
  }

  async vread(context: SmartContextValue, resourceType: string, id: string, versionId: string): Promise<FhirResponse> {
    if (!/^[1-9]\d{0,8}$/.test(versionId)) throw OperationOutcomeError.invalid('The version id must be a positive integer');
    const current = await this.repository.findCurrent(resourceType, requireId(id));
    const rules = this.policy.rules(context, resourceType, 'r');
    if (!current?.resource || !resourceAllowed(current.resource, rules)) throw notFound(resourceType, id);
    const version = await this.repository.findVersion(resourceType, id, Number(versionId));
    if (!version) throw notFound(resourceType, `${id}/_history/${versionId}`);
    if (version.deleted || !version.resource) throw new OperationOutcomeError(410, 'deleted', `Version ${versionId} is a deletion`);
    if (!resourceAllowed(version.resource, rules)) throw notFound(resourceType, `${id}/_history/${versionId}`);
    return ok(version);
  }

  search(context: SmartContextValue, resourceType: string, query: URLSearchParams, strict: boolean): Promise<FhirResponse> {
    return this.searcher.search(context, resourceType, query, strict);
  }

  history(
    context: SmartContextValue,
    resourceType: string | undefined,
    id: string | undefined,
    query: URLSearchParams,
  ): Promise<FhirResponse> {
    return this.searcher.history(context, resourceType, id === undefined ? undefined : requireId(id), query);
  }

  async create(context: SmartContextValue, resourceType: string, resource: Record<string, unknown>): Promise<FhirResponse> {
    requireResource(resource, resourceType);
    this.writes.check(resourceType, resource);
    const content = withoutId(resource);
    if (!this.writes.allows(content, this.policy.rules(context, resourceType, 'c')))
      throw this.policy.forbiddenResource(context, resourceType, 'c');
    const { version } = await this.repository.write(resourceType, randomUUID(), 'POST', () => content);
    return {
      ...ok(version, 201),
      headers: { ...headersFor(version), Location: `${this.bundles.url(`${resourceType}/${version.id}/_history/${version.versionId}`)}` },
    };
  }

  async update(context: SmartContextValue, resourceType: string, id: string, resource: Record<string, unknown>): Promise<FhirResponse> {
    requireResource(resource, resourceType);
    if (resource.id !== requireId(id)) throw OperationOutcomeError.invalid('The resource id must equal the id in the URL');
    this.writes.check(resourceType, resource);
    const rules = this.policy.rules(context, resourceType, 'u');
    const visible = this.policy.rules(context, resourceType, 'r').concat(rules);
    // SMART App Launch 2.2 §Scopes for requesting FHIR Resources: `u` covers update-as-create (upsert); both the old
    // and the new content must be in scope. An instance the token cannot see, and a missing one it could not create,
    // answer 404 alike (docs/fhir.md).
    const { version, previous } = await this.repository.write(resourceType, id, 'PUT', (current) => {
      const exists = !!current?.resource && !current.deleted;
      if (exists && !resourceAllowed(current.resource as Record<string, unknown>, visible)) throw notFound(resourceType, id);
      if (exists && !resourceAllowed(current.resource as Record<string, unknown>, rules))
        throw this.policy.forbiddenResource(context, resourceType, 'u');
      if (!this.writes.allows(resource, rules))
        throw exists ? this.policy.forbiddenResource(context, resourceType, 'u') : notFound(resourceType, id);
      return resource;
    });
    const created = !previous || previous.deleted;
    return {
      ...ok(version, created ? 201 : 200),
      headers: {
        ...headersFor(version),
        ...(created ? { Location: this.bundles.url(`${resourceType}/${id}/_history/${version.versionId}`) } : {}),
      },
    };
  }

  async patch(context: SmartContextValue, resourceType: string, id: string, operations: unknown[]): Promise<FhirResponse> {
    requireId(id);
    const rules = this.policy.rules(context, resourceType, 'u');
    const { version } = await this.repository.write(resourceType, id, 'PATCH', (current) => {
      if (
        !current?.resource ||
        current.deleted ||
        !resourceAllowed(current.resource, this.policy.rules(context, resourceType, 'r').concat(rules))
      )
        throw notFound(resourceType, id);
      if (!resourceAllowed(current.resource, rules)) throw this.policy.forbiddenResource(context, resourceType, 'u');
      const patched = patchResource(current.resource, operations);
      if (patched.resourceType !== resourceType || patched.id !== id)
        throw new OperationOutcomeError(422, 'processing', 'A patch may not change resourceType or id');
      this.writes.check(resourceType, patched, 422);
      if (!this.writes.allows(patched, rules)) throw this.policy.forbiddenResource(context, resourceType, 'u');
      return patched;
    });
    return ok(version);
  }

  async delete(context: SmartContextValue, resourceType: string, id: string): Promise<FhirResponse> {
    requireId(id);
    const rules = this.policy.rules(context, resourceType, 'd');
    const current = await this.repository.findCurrent(resourceType, id);
    if (!current?.resource || !resourceAllowed(current.resource, this.policy.rules(context, resourceType, 'r').concat(rules)))
      throw notFound(resourceType, id);
    if (current.deleted) return { status: 204 };
    await this.repository.write(resourceType, id, 'DELETE', (locked) => {
      if (!locked?.resource || !resourceAllowed(locked.resource, rules)) throw this.policy.forbiddenResource(context, resourceType, 'd');
      return null;
    });
    return { status: 204 };
  }

  // One database transaction for the whole Bundle: an entry that is refused or fails rolls back the others.
  transaction(
    _context: SmartContextValue,
    entries: ReadonlyArray<BundleEntryRequest>,
    execute: (entry: BundleEntryRequest) => Promise<FhirResponse>,
  ): Promise<Record<string, unknown>[]> {
    return this.repository.inTransaction(async () => {
      const results: Record<string, unknown>[] = new Array(entries.length);
      for (const index of processingOrder(entries)) results[index] = toEntry(await execute(entries[index]));
      return results;
    });
  }
}

function ok(version: StoredVersion, status = 200): FhirResponse {
  return { status, body: version.resource, headers: headersFor(version) };
}

function headersFor(version: StoredVersion): Record<string, string> {
  return { ETag: `W/"${version.versionId}"`, 'Last-Modified': version.lastUpdated.toUTCString() };
}

function notFound(resourceType: string, id: string): OperationOutcomeError {
  return OperationOutcomeError.notFound(`${resourceType}/${id} is not known`);
}

function requireId(id: string): string {
  if (!isFhirId(id)) throw OperationOutcomeError.invalid('Resource ids are 1-64 characters of A-Z, a-z, 0-9, - and .');
  return id;
}

function requireResource(resource: unknown, resourceType: string): asserts resource is Record<string, unknown> {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource))
    throw OperationOutcomeError.invalid('The body must be a FHIR resource (JSON object)');
  if ((resource as { resourceType?: unknown }).resourceType !== resourceType)
    throw OperationOutcomeError.invalid(`The body must be a ${resourceType} resource`);
}

function withoutId(resource: Record<string, unknown>): Record<string, unknown> {
  const { id: _ignored, ...rest } = resource;
  return rest;
}
