import { OperationOutcomeError } from '../../fhir-auth';
import { applyJsonPatch, JsonPatchError } from './json-patch';
import { MAX_PATCH_OPERATIONS, MAX_RESOURCE_BYTES } from './store-limits';

/**
 * FHIR R4 http.html#patch with RFC 6902: a malformed or oversized patch is 400, one that does not apply or
 * would leave too large a resource is 422. The stored resource is copied once; the patch works on that copy.
 */
export function patchResource(resource: Record<string, unknown>, operations: unknown): Record<string, unknown> {
  let result: unknown;
  try {
    result = applyJsonPatch(structuredClone(resource) as Parameters<typeof applyJsonPatch>[0], operations, {
      maxOperations: MAX_PATCH_OPERATIONS,
      maxSize: MAX_RESOURCE_BYTES,
    });
  } catch (error) {
    if (!(error instanceof JsonPatchError)) throw error;
    if (error.kind === 'malformed') throw OperationOutcomeError.invalid(`Invalid JSON Patch: ${error.message}`);
    if (error.kind === 'too-costly') throw new OperationOutcomeError(400, 'too-costly', error.message);
    if (error.kind === 'too-large') throw new OperationOutcomeError(422, 'too-costly', error.message);
    throw new OperationOutcomeError(422, 'processing', `The JSON Patch could not be applied: ${error.message}`);
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result))
    throw new OperationOutcomeError(422, 'processing', 'The patch must leave a resource');
  return result as Record<string, unknown>;
}
