import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AccessRule, OperationOutcomeError, resourceAllowed } from '../../fhir-auth';
import { compartmentWriteProblem } from './patient-compartment';
import { isStoreResourceType, resourceProblem } from './resource-problem';

/** What the built-in store checks on every create, update and patch result before it stores anything. */
@Injectable()
export class FhirWriteValidator {
  private readonly fhirBaseUrl: string;

  constructor(config: AppConfig) {
    this.fhirBaseUrl = config.fhirBaseUrl;
  }

  /**
   * Content errors (compartment, datatypes, JSON safety): 400 OperationOutcome, or `status` (422 for a patch result,
   * FHIR R4 http.html#patch). A type the store does not hold is 404 not-supported (http.html#create).
   */
  check(resourceType: string, resource: Record<string, unknown>, status: 400 | 422 = 400): void {
    if (!isStoreResourceType(resourceType))
      throw new OperationOutcomeError(404, 'not-supported', `The built-in store does not hold ${resourceType} resources`);
    const problem = resourceProblem(resourceType, resource);
    if (problem) throw new OperationOutcomeError(status, status === 400 ? 'invalid' : 'processing', problem);
  }

  /**
   * resourceAllowed for new content: a rule confined to a patient compartment also needs every Patient reference to be
   * that patient's, on this server (SMART App Launch 2.2 §Patient-specific scopes: no writes into another patient's
   * record).
   */
  allows(resource: Record<string, unknown>, rules: readonly AccessRule[]): boolean {
    return rules.some(
      (rule) =>
        resourceAllowed(resource, [rule]) &&
        (rule.patient === undefined || compartmentWriteProblem(resource, rule.patient, this.fhirBaseUrl) === undefined),
    );
  }
}
