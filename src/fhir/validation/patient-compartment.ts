// FHIR R4 CompartmentDefinition "patient" (compartmentdefinition-patient.html), for the types the store holds:
// the top-level elements whose references place a resource in a patient's compartment. Types not listed
// (Location, Medication, Organization, Practitioner, PractitionerRole) are in no patient's compartment.
const COMPARTMENT: Record<string, readonly string[]> = {
  AllergyIntolerance: ['patient', 'recorder', 'asserter'],
  CarePlan: ['subject', 'activity'],
  CareTeam: ['subject', 'participant'],
  Condition: ['subject', 'asserter'],
  Coverage: ['policyHolder', 'subscriber', 'beneficiary', 'payor'],
  Device: ['patient'],
  DiagnosticReport: ['subject'],
  DocumentReference: ['subject', 'author'],
  Encounter: ['subject'],
  Goal: ['subject'],
  Immunization: ['patient'],
  MedicationDispense: ['subject', 'receiver'],
  MedicationRequest: ['subject'],
  Observation: ['subject', 'performer'],
  Procedure: ['subject', 'performer'],
  Provenance: ['target'],
  QuestionnaireResponse: ['subject', 'author'],
  RelatedPerson: ['patient'],
  ServiceRequest: ['subject', 'performer'],
  Specimen: ['subject'],
};

type Json = Record<string, unknown>;

/**
 * Why a write confined to `patientId`'s compartment must be refused (it would write into another patient's record), or
 * undefined. Every reference to a Patient anywhere in the resource (contained resources and extensions included) must
 * be this patient, relative (`Patient/id`) or under this server's FHIR base: a reference to another server names a
 * record this server does not hold. The resource must also be in the compartment through one of the elements above.
 */
export function compartmentWriteProblem(resource: Json, patientId: string, fhirBaseUrl: string): string | undefined {
  const own = new Set([`Patient/${patientId}`, `${fhirBaseUrl}/Patient/${patientId}`]);
  const foreign = patientReferences(resource).find((reference) => !own.has(reference));
  if (foreign !== undefined)
    return `Every reference to a Patient must be to Patient/${patientId} (found ${JSON.stringify(foreign.slice(0, 120))})`;
  if (resource.resourceType === 'Patient') return resource.id === patientId ? undefined : `Only Patient/${patientId} may be written`;
  const elements = COMPARTMENT[String(resource.resourceType)] ?? [];
  const member = elements.some((element) => Object.hasOwn(resource, element) && patientReferences(resource[element]).length > 0);
  return member ? undefined : `The resource is not in the compartment of Patient/${patientId}`;
}

/**
 * Every reference in `value` that points at a Patient: `Patient/…`, `…/Patient/…`, `Patient?…` (conditional),
 * any reference typed Patient, and contained Patient resources (as `#contained`). `_history` suffixes are
 * dropped so a versioned reference to the own record still counts as own.
 */
export function patientReferences(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Json;
    if (object.resourceType === 'Patient' && object !== value) found.push('#contained Patient');
    const reference = object.reference;
    if (typeof reference === 'string' && (/(?:^|\/)Patient(?:[/?]|$)/.test(reference) || object.type === 'Patient')) {
      found.push(reference.replace(/\/_history\/[^/]*$/, ''));
    } else if (object.type === 'Patient' && (object.identifier !== undefined || reference !== undefined)) {
      found.push('(Patient reference by identifier)');
    }
    for (const child of Object.values(object)) visit(child);
  };
  visit(value);
  return found;
}
