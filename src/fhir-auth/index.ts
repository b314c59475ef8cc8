export {
  accessRulesFor,
  inPatientCompartment,
  patientIdOfFhirUser,
  resourceAllowed,
  SHARED_RESOURCE_TYPES,
  COMPARTMENT_ELEMENTS,
  type AccessRule,
} from './access-rules';
export { ANY_TYPE, FROM_ROUTE, PublicFhirRoute, RequiresFhirAccess, type FhirAccessRequirement } from './fhir-access.decorator';
export { FhirAccessPolicy } from './fhir-access.policy';
export { FHIR_AUTH_OPTIONS, type FhirAuthOptions, type IntrospectionOptions } from './fhir-auth.options';
export { AccessTokenStrategy, SMART_BEARER_STRATEGY } from './access-token.strategy';
export { FhirAuthModule } from './fhir-auth.module';
export { FhirScopeGuard } from './fhir-scope.guard';
export { OperationOutcomeFilter } from './operation-outcome.filter';
export {
  insufficientScopeError,
  invalidTokenError,
  missingTokenError,
  OperationOutcomeError,
  type IssueCode,
} from './operation-outcome.error';
export { isFhirId, isResourceType } from './r4-resource-types';
export { SmartContext } from './smart-context.decorator';
export type { SmartContext as SmartContextValue, UserRole } from './smart-context';
