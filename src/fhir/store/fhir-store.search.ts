import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AccessRule, FhirAccessPolicy, isResourceType, OperationOutcomeError, resourceAllowed, SmartContextValue } from '../../fhir-auth';
import { BundleBuilder, BundleEntry } from '../bundle.builder';
import { FhirResponse } from '../fhir-response';
import { parseFhirDateTime } from '../validation/fhir-date';
import { FhirResourceRepository, StoredVersion } from './fhir-resource.repository';
import { filterCondition } from './search-filter.conditions';
import { DEFAULT_COUNT, IncludeSpec, MAX_COUNT, parseSearchRequest, SearchRequest } from './search-request';
import { MAX_PAGE_BYTES } from './store-limits';
import { elementPath, referenceCondition, rulesCondition, SqlParameters } from './sql-conditions';

const MAX_INCLUDED = 500;
const COMPARTMENT_PARAMETERS = ['subject', 'patient', 'beneficiary', 'individual'];

/**
 * Search and history on the built-in store. Access rules are applied in SQL, and every returned resource is checked
 * again with resourceAllowed as a second line of defence (SMART App Launch 2.2 §Finer-grained resource constraints
 * using search parameters), _include/_revinclude results too.
 */
@Injectable()
export class FhirStoreSearch {
  private readonly bundles: BundleBuilder;

  constructor(
    private readonly repository: FhirResourceRepository,
    private readonly policy: FhirAccessPolicy,
    config: AppConfig,
  ) {
    this.bundles = new BundleBuilder(config.fhirBaseUrl);
  }

  async search(context: SmartContextValue, resourceType: string, query: URLSearchParams, strict: boolean): Promise<FhirResponse> {
    const request = parseSearchRequest(query, strict);
    const rules = this.policy.rules(context, resourceType, 's');
    const parameters = new SqlParameters();
    const conditions = [`resource_type = ${parameters.add(resourceType)}`, 'NOT deleted', rulesCondition(resourceType, rules, parameters)];
    for (const filter of request.filters) conditions.push(filterCondition(resourceType, filter, parameters));
    const sqlQuery = { where: conditions.join(' AND '), params: parameters.values };
    const order = [...request.sort.map((key) => `${key.field} ${key.descending ? 'DESC' : 'ASC'}`), 'last_updated ASC', 'id ASC'].join(
      ', ',
    );
    const { total, versions: page } = await this.repository.searchPage(sqlQuery, order, request.count, request.offset);
    const matches = page
      .map((version) => version.resource as Record<string, unknown>)
      .filter((resource) => resourceAllowed(resource, rules));
    const included = await this.included(context, request, matches);
    const entries: BundleEntry[] = [
      ...matches.map((resource) => ({ resource, mode: 'match' as const })),
      ...included.map((resource) => ({ resource, mode: 'include' as const })),
    ];
    const self = this.bundles.url(resourceType, withOffset(request.canonicalQuery, request.offset));
    // A page cut short by its byte budget (MAX_PAGE_BYTES) continues where it stopped.
    const pageEnd = request.offset + Math.min(page.length, request.count);
    const next =
      request.count > 0 && pageEnd < total ? this.bundles.url(resourceType, withOffset(request.canonicalQuery, pageEnd)) : undefined;
    return { status: 200, body: this.bundles.searchset(total, entries, self, next) };
  }

  async history(
    context: SmartContextValue,
    resourceType: string | undefined,
    id: string | undefined,
    query: URLSearchParams,
  ): Promise<FhirResponse> {
    const count = pageNumber(query.get('_count'), DEFAULT_COUNT, MAX_COUNT);
    const offset = pageNumber(query.get('_offset'), 0, 1_000_000);
    const parameters = new SqlParameters();
    const conditions: string[] = [];
    let visible: (version: StoredVersion) => boolean;
    if (resourceType && id) {
      // SMART App Launch 2.2 §Scopes for requesting FHIR Resources: instance history is `r`; the instance must be
      // visible, then each version is checked.
      const rules = this.policy.rules(context, resourceType, 'r');
      const current = await this.repository.findCurrent(resourceType, id);
      if (!current?.resource || !resourceAllowed(current.resource, rules))
        throw OperationOutcomeError.notFound(`${resourceType}/${id} is not known`);
      conditions.push(`resource_type = ${parameters.add(resourceType)}`, `id = ${parameters.add(id)}`);
      visible = (version) => !version.resource || resourceAllowed(version.resource, rules);
    } else {
      const types = resourceType ? [resourceType] : await this.historyTypes(context);
      const rulesByType = new Map(types.map((type) => [type, this.policy.rules(context, type, 's')] as const));
      conditions.push(
        `(${types.map((type) => `(resource_type = ${parameters.add(type)} AND ${rulesCondition(type, rulesByType.get(type) ?? [], parameters)})`).join(' OR ') || 'FALSE'})`,
      );
      visible = (version) => !!version.resource && resourceAllowed(version.resource, rulesByType.get(version.resourceType) ?? []);
    }
    const since = query.get('_since');
    if (since !== null) {
      const instant = parseFhirDateTime(since);
      if (!instant) throw OperationOutcomeError.invalid('_since must be a FHIR instant (four-digit year, time with a zone)');
      conditions.push(`last_updated >= ${parameters.add(instant)}`);
    }
    const { total, versions } = await this.repository.history(
      { where: conditions.join(' AND '), params: parameters.values },
      count,
      offset,
    );
    const path = [resourceType, id, '_history'].filter(Boolean).join('/');
    const canonical = new URLSearchParams([...query].filter(([name]) => name === '_count' || name === '_since'));
    const pageEnd = offset + Math.min(versions.length, count);
    const next = pageEnd < total ? this.bundles.url(path, withOffset(canonical, pageEnd)) : undefined;
    return {
      status: 200,
      body: this.bundles.history(total, versions.filter(visible), this.bundles.url(path, withOffset(canonical, offset)), next),
    };
  }

  // System history (`s`, SMART App Launch 2.2 §Scopes for requesting FHIR Resources): the types the token may search,
  // or every stored type under a wildcard.
  private async historyTypes(context: SmartContextValue): Promise<string[]> {
    const stored = await this.repository.storedTypes();
    return stored.filter((type) => this.policy.isPermitted(context, type, 's'));
  }

  private async included(
    context: SmartContextValue,
    request: SearchRequest,
    matches: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    if (matches.length === 0 || (request.include.length === 0 && request.revinclude.length === 0)) return [];
    const seen = new Set(matches.map((resource) => `${String(resource.resourceType)}/${String(resource.id)}`));
    const found: StoredVersion[] = [];
    const wanted = request.include.flatMap((spec) => referencesOf(matches, spec));
    // At most MAX_INCLUDED resources and MAX_PAGE_BYTES of JSON for all _include and _revinclude together.
    const bytesLeft = (): number => MAX_PAGE_BYTES - found.reduce((sum, version) => sum + (version.size ?? 0), 0);
    found.push(...(await this.repository.findByReferences(wanted.slice(0, MAX_INCLUDED), MAX_PAGE_BYTES)));
    for (const spec of request.revinclude) {
      if (found.length >= MAX_INCLUDED || bytesLeft() <= 0) break;
      found.push(...(await this.revincluded(context, spec, [...seen], MAX_INCLUDED - found.length, bytesLeft())));
    }
    const result: Record<string, unknown>[] = [];
    for (const version of found) {
      const resource = version.resource as Record<string, unknown>;
      const key = `${version.resourceType}/${version.id}`;
      if (seen.has(key)) continue;
      // Included resources are confined like matches: the compartment and granular scopes of their own type.
      const rules: AccessRule[] = [
        ...this.policy.rules(context, version.resourceType, 's'),
        ...this.policy.rules(context, version.resourceType, 'r'),
      ];
      if (!resourceAllowed(resource, rules)) continue;
      seen.add(key);
      result.push(resource);
    }
    return result;
  }

  private async revincluded(
    context: SmartContextValue,
    spec: IncludeSpec,
    targets: string[],
    limit: number,
    maxBytes: number,
  ): Promise<StoredVersion[]> {
    if (!isResourceType(spec.sourceType) || !elementPath(spec.element)) return [];
    const parameters = new SqlParameters();
    const elements = spec.element === 'patient' ? COMPARTMENT_PARAMETERS : [camel(spec.element)];
    const rules = this.policy.rules(context, spec.sourceType, 's');
    const where = [
      `resource_type = ${parameters.add(spec.sourceType)}`,
      'NOT deleted',
      referenceCondition(elements, targets, parameters),
      rulesCondition(spec.sourceType, rules, parameters),
    ];
    return this.repository.search(
      { where: where.join(' AND '), params: parameters.values },
      'last_updated ASC, id ASC',
      limit,
      0,
      maxBytes,
    );
  }
}

function referencesOf(resources: Record<string, unknown>[], spec: IncludeSpec): Array<{ resourceType: string; id: string }> {
  const elements = spec.element === 'patient' ? COMPARTMENT_PARAMETERS : [camel(spec.element)];
  const references: Array<{ resourceType: string; id: string }> = [];
  for (const resource of resources) {
    if (resource.resourceType !== spec.sourceType) continue;
    for (const element of elements) {
      const value = Object.hasOwn(resource, element) ? resource[element] : undefined;
      for (const item of Array.isArray(value) ? value : [value]) {
        const reference = typeof item === 'object' && item !== null ? (item as { reference?: unknown }).reference : undefined;
        const match = typeof reference === 'string' ? /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) : null;
        if (match && isResourceType(match[1]) && (!spec.targetType || spec.targetType === match[1]))
          references.push({ resourceType: match[1], id: match[2] });
      }
    }
  }
  return references;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function withOffset(query: URLSearchParams, offset: number): URLSearchParams {
  const copy = new URLSearchParams(query);
  if (offset > 0) copy.set('_offset', String(offset));
  return copy;
}

function pageNumber(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw OperationOutcomeError.invalid('_count and _offset must be non-negative integers');
  return Math.min(Number(raw), max);
}
