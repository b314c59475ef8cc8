import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FhirAccessPolicy, OperationOutcomeError, SmartContextValue } from '../fhir-auth';
import { BundleEntryRequest, overlappingIdentity, parseEntry, statusLine, toEntry } from './bundle-entry';
import { MAX_BUNDLE_ENTRIES, MAX_BUNDLE_SEARCHES } from './store/store-limits';
import { FHIR_BACKEND, FhirBackend, FhirResponse } from './fhir-response';

/**
 * Batch and transaction Bundles (FHIR R4 http.html#transaction). Every entry is checked on its own merits
 * (SMART App Launch, scopes per interaction). A batch answers each entry on its own; a transaction is all or
 * nothing: the first entry refused or failing rolls every entry back, and its OperationOutcome, with its
 * status, is the answer to the whole request.
 */
@Injectable()
export class FhirBatchService {
  constructor(
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
    private readonly policy: FhirAccessPolicy,
    private readonly config: AppConfig,
  ) {}

  async process(context: SmartContextValue, body: unknown): Promise<FhirResponse> {
    const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
    if (
      !bundle ||
      typeof bundle !== 'object' ||
      bundle.resourceType !== 'Bundle' ||
      (bundle.type !== 'batch' && bundle.type !== 'transaction')
    ) {
      throw OperationOutcomeError.invalid('POST to the FHIR base takes a Bundle of type batch or transaction');
    }
    const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
    if (entries.length > MAX_BUNDLE_ENTRIES)
      throw new OperationOutcomeError(400, 'too-costly', `At most ${MAX_BUNDLE_ENTRIES} entries per Bundle`);
    const parsed = entries.map((entry) => parseEntry(entry, this.config.fhirBaseUrl));
    const searches = parsed.filter((entry) => !(entry instanceof OperationOutcomeError) && entry.interaction === 's').length;
    if (searches > MAX_BUNDLE_SEARCHES)
      throw new OperationOutcomeError(400, 'too-costly', `At most ${MAX_BUNDLE_SEARCHES} search entries per Bundle`);
    if (bundle.type === 'batch') {
      const results: Record<string, unknown>[] = [];
      for (const entry of parsed) results.push(await this.executeInBatch(context, entry));
      return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: results } };
    }
    return { status: 200, body: { resourceType: 'Bundle', type: 'transaction-response', entry: await this.transaction(context, parsed) } };
  }

  private async transaction(
    context: SmartContextValue,
    parsed: Array<BundleEntryRequest | OperationOutcomeError>,
  ): Promise<Record<string, unknown>[]> {
    // Refusals that need no data come first, so a transaction refused by its scopes never reaches the database.
    const entries: BundleEntryRequest[] = [];
    for (const entry of parsed) {
      if (entry instanceof OperationOutcomeError) throw entry;
      if (!this.policy.isPermitted(context, entry.resourceType, entry.interaction))
        throw this.policy.insufficientScope(context, entry.resourceType, entry.interaction);
      entries.push(entry);
    }
    const overlap = overlappingIdentity(entries);
    if (overlap) throw overlap;
    // Every error (compartment refusal, validation, not found, conflict) propagates out of the backend's
    // transaction, which rolls back; the exception filter answers it as an OperationOutcome.
    return this.backend.transaction(context, entries, (entry) => this.dispatch(context, entry));
  }

  private async executeInBatch(
    context: SmartContextValue,
    entry: BundleEntryRequest | OperationOutcomeError,
  ): Promise<Record<string, unknown>> {
    try {
      if (entry instanceof OperationOutcomeError) throw entry;
      if (!this.policy.isPermitted(context, entry.resourceType, entry.interaction))
        throw this.policy.insufficientScope(context, entry.resourceType, entry.interaction);
      return toEntry(await this.dispatch(context, entry));
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      return { response: { status: statusLine(error.status), outcome: error.outcome() } };
    }
  }

  private dispatch(context: SmartContextValue, entry: BundleEntryRequest): Promise<FhirResponse> {
    const { resourceType, id } = entry;
    switch (entry.method) {
      case 'GET':
        if (id === undefined) return this.backend.search(context, resourceType, entry.query, false);
        return entry.versionId
          ? this.backend.vread(context, resourceType, id, entry.versionId)
          : this.backend.read(context, resourceType, id);
      case 'POST':
        return this.backend.create(context, resourceType, requireResource(entry.resource));
      case 'PUT':
        return this.backend.update(context, resourceType, id as string, requireResource(entry.resource));
      default:
        return this.backend.delete(context, resourceType, id as string);
    }
  }
}

function requireResource(resource: unknown): Record<string, unknown> {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource))
    throw OperationOutcomeError.invalid('The entry needs a resource');
  return resource as Record<string, unknown>;
}
