import { Interaction, permittingScopes, resourceMatchesConstraints, ResourceScope, ScopeConstraint } from '../scopes';
import { SmartContext } from './smart-context';

/** One way a token may touch resources of a type: a scope's constraints, confined to a patient compartment or not. */
export interface AccessRule {
  scope: ResourceScope;
  constraints: readonly ScopeConstraint[];
  /** Set when the rule only covers the Patient compartment of this patient id (SMART App Launch 2.2 §Patient-specific scopes). */
  patient?: string;
}

// Elements through which a resource belongs to a patient's compartment (FHIR R4 compartmentdefinition-patient).
export const COMPARTMENT_ELEMENTS = ['subject', 'patient', 'beneficiary', 'individual'] as const;

// SMART App Launch 2.2 §Patient-specific scopes: resources outside every patient compartment that patient-facing apps
// may still read (e.g. the practitioner who ordered something, the medication it names).
export const SHARED_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Substance',
  'HealthcareService',
  'Endpoint',
]);

/**
 * The rules under which the token grants `interaction` on `resourceType`. An empty list means nothing is visible.
 * patient/ scopes: the token's patient; user/ scopes: everything for a practitioner (or, for a practitioner restricted
 * to some patients, one rule per allowed patient), the own compartment for a patient user, nothing when the role is
 * unknown; system/ scopes: what the client was pre-authorized for, i.e. the scopes (SMART App Launch 2.2
 * §Patient-specific / User-level / System-level scopes).
 */
export function accessRulesFor(context: SmartContext, resourceType: string, interaction: Interaction): AccessRule[] {
  const rules: AccessRule[] = [];
  const sharedRead = SHARED_RESOURCE_TYPES.has(resourceType) && (interaction === 'r' || interaction === 's');
  for (const scope of permittingScopes(context.scopes, resourceType, interaction)) {
    const compartments = compartmentsFor(context, scope);
    if (compartments.length === 0) continue;
    if (sharedRead) rules.push({ scope, constraints: scope.constraints });
    else for (const patient of compartments) rules.push({ scope, constraints: scope.constraints, patient });
  }
  return rules;
}

/**
 * Second line of defence: does at least one rule let the caller see this resource (SMART App Launch 2.2 §Finer-grained
 * resource constraints using search parameters)?
 */
export function resourceAllowed(resource: Record<string, unknown>, rules: readonly AccessRule[]): boolean {
  return rules.some(
    (rule) =>
      resourceMatchesConstraints(resource, rule.constraints) &&
      (rule.patient === undefined || inPatientCompartment(resource, rule.patient)),
  );
}

export function inPatientCompartment(resource: Record<string, unknown>, patientId: string): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  return COMPARTMENT_ELEMENTS.some((element) => referencesPatient(ownProperty(resource, element), patientId));
}

/** The patient id a `fhirUser` such as `https://ehr/fhir/Patient/123` or `Patient/123` points at. */
export function patientIdOfFhirUser(fhirUser: string | undefined): string | undefined {
  const match = fhirUser ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(fhirUser) : null;
  return match?.[1];
}

// The compartments a scope reaches: [undefined] = no compartment restriction, [] = nothing in this context.
// A user's restriction to some patients bounds user/ and patient/ scopes alike (it travels in the token).
function compartmentsFor(context: SmartContext, scope: ResourceScope): Array<string | undefined> {
  if (scope.context === 'system') return [undefined];
  const allowed = (patient: string | undefined): Array<string | undefined> =>
    patient !== undefined && (!context.restrictedToPatients || context.restrictedToPatients.includes(patient)) ? [patient] : [];
  if (scope.context === 'patient') return allowed(context.patient);
  if (context.userRole === 'patient') return allowed(patientIdOfFhirUser(context.fhirUser) ?? context.patient);
  if (context.userRole === 'practitioner') return context.restrictedToPatients ? [...new Set(context.restrictedToPatients)] : [undefined];
  // user/ scopes without a known role (e.g. an introspection answer that does not say it) grant nothing: fail closed.
  return [];
}

function referencesPatient(value: unknown, patientId: string): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.some((item) => {
    const reference = typeof item === 'object' && item !== null ? (item as { reference?: unknown }).reference : undefined;
    return typeof reference === 'string' && (reference === `Patient/${patientId}` || reference.endsWith(`/Patient/${patientId}`));
  });
}

function ownProperty(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
