// Top-level elements of the resource types the built-in store holds (FHIR R4 4.0.1, each type's "Resource
// Content" table). `name[A,B]` is a choice element name[x] with its allowed types (R4 formats.html#choice:
// `onset[dateTime,Age]` allows onsetDateTime and onsetAge). The DomainResource elements come on top.
const TABLE: Record<string, string> = {
  AllergyIntolerance:
    'identifier clinicalStatus verificationStatus type category criticality code patient encounter onset[dateTime,Age,Period,Range,string] recordedDate recorder asserter lastOccurrence note reaction',
  CarePlan:
    'identifier instantiatesCanonical instantiatesUri basedOn replaces partOf status intent category title description subject encounter period created author contributor careTeam addresses supportingInfo goal activity note',
  CareTeam:
    'identifier status category name subject encounter period participant reasonCode reasonReference managingOrganization telecom note',
  Condition:
    'identifier clinicalStatus verificationStatus category severity code bodySite subject encounter onset[dateTime,Age,Period,Range,string] abatement[dateTime,Age,Period,Range,string] recordedDate recorder asserter stage evidence note',
  Coverage:
    'identifier status type policyHolder subscriber subscriberId beneficiary dependent relationship period payor class order network costToBeneficiary subrogation contract',
  Device:
    'identifier definition udiCarrier status statusReason distinctIdentifier manufacturer manufactureDate expirationDate lotNumber serialNumber deviceName modelNumber partNumber type specialization version property patient owner contact location url note safety parent',
  DiagnosticReport:
    'identifier basedOn status category code subject encounter effective[dateTime,Period] issued performer resultsInterpreter specimen result imagingStudy media conclusion conclusionCode presentedForm',
  DocumentReference:
    'masterIdentifier identifier status docStatus type category subject date author authenticator custodian relatesTo description securityLabel content context',
  Encounter:
    'identifier status statusHistory class classHistory type serviceType priority subject episodeOfCare basedOn participant appointment period length reasonCode reasonReference diagnosis account hospitalization location serviceProvider partOf',
  Goal: 'identifier lifecycleStatus achievementStatus category priority description subject start[date,CodeableConcept] target statusDate statusReason expressedBy addresses note outcomeCode outcomeReference',
  Immunization:
    'identifier status statusReason vaccineCode patient encounter occurrence[dateTime,string] recorded primarySource reportOrigin location manufacturer lotNumber expirationDate site route doseQuantity performer note reasonCode reasonReference isSubpotent subpotentReason education programEligibility fundingSource reaction protocolApplied',
  Location:
    'identifier status operationalStatus name alias description mode type telecom address physicalType position managingOrganization partOf hoursOfOperation availabilityExceptions endpoint',
  Medication: 'identifier code status manufacturer form amount ingredient batch',
  MedicationDispense:
    'identifier partOf status statusReason[CodeableConcept,Reference] category medication[CodeableConcept,Reference] subject context supportingInformation performer location authorizingPrescription type quantity daysSupply whenPrepared whenHandedOver destination receiver note dosageInstruction substitution detectedIssue eventHistory',
  MedicationRequest:
    'identifier status statusReason intent category priority doNotPerform reported[boolean,Reference] medication[CodeableConcept,Reference] subject encounter supportingInformation authoredOn requester performer performerType recorder reasonCode reasonReference instantiatesCanonical instantiatesUri basedOn groupIdentifier courseOfTherapyType insurance note dosageInstruction dispenseRequest substitution priorPrescription detectedIssue eventHistory',
  Observation:
    'identifier basedOn partOf status category code subject focus encounter effective[dateTime,Period,Timing,instant] issued performer value[Quantity,CodeableConcept,string,boolean,integer,Range,Ratio,SampledData,time,dateTime,Period] dataAbsentReason interpretation note bodySite method specimen device referenceRange hasMember derivedFrom component',
  Organization: 'identifier active type name alias telecom address partOf contact endpoint',
  Patient:
    'identifier active name telecom gender birthDate deceased[boolean,dateTime] address maritalStatus multipleBirth[boolean,integer] photo contact communication generalPractitioner managingOrganization link',
  Practitioner: 'identifier active name telecom address gender birthDate photo qualification communication',
  PractitionerRole:
    'identifier active period practitioner organization code specialty location healthcareService telecom availableTime notAvailable availabilityExceptions endpoint',
  Procedure:
    'identifier instantiatesCanonical instantiatesUri basedOn partOf status statusReason category code subject encounter performed[dateTime,Period,string,Age,Range] recorder asserter performer location reasonCode reasonReference bodySite outcome report complication complicationDetail followUp note focalDevice usedReference usedCode',
  Provenance: 'target occurred[Period,dateTime] recorded policy location reason activity agent entity signature',
  QuestionnaireResponse: 'identifier basedOn partOf questionnaire status subject encounter authored author source item',
  RelatedPerson: 'identifier active patient relationship name telecom gender birthDate address photo period communication',
  ServiceRequest:
    'identifier instantiatesCanonical instantiatesUri basedOn replaces requisition status intent category priority doNotPerform code orderDetail quantity[Quantity,Ratio,Range] subject encounter occurrence[dateTime,Period,Timing] asNeeded[boolean,CodeableConcept] authoredOn requester performerType performer locationCode locationReference reasonCode reasonReference insurance supportingInfo specimen bodySite note patientInstruction relevantHistory',
  Specimen: 'identifier accessionIdentifier status type subject receivedTime parent request collection processing container condition note',
};

// Resource and DomainResource (R4 domainresource.html); resourceType is the JSON type marker.
const COMMON = 'resourceType id meta implicitRules language text contained extension modifierExtension';

const ELEMENTS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(TABLE).map(([type, list]) => [type, new Set(`${COMMON} ${list}`.split(' ').flatMap(expand))]),
);

function expand(element: string): string[] {
  const choice = /^([a-zA-Z]+)\[([A-Za-z,]+)\]$/.exec(element);
  if (!choice) return [element];
  return choice[2].split(',').map((type) => choice[1] + type[0].toUpperCase() + type.slice(1));
}

/** The resource types the built-in store accepts for writes (the CapabilityStatement lists the same). */
export const STORE_RESOURCE_TYPES: readonly string[] = Object.keys(TABLE);

export function isStoreResourceType(resourceType: string): boolean {
  return ELEMENTS.has(resourceType);
}

/**
 * Top-level JSON properties that the type does not define. `_name` carries the id/extensions of a primitive
 * element `name` (R4 json.html#primitive) and is allowed where `name` is.
 */
export function undefinedElements(resourceType: string, resource: Record<string, unknown>): string[] {
  const allowed = ELEMENTS.get(resourceType);
  if (!allowed) return Object.keys(resource);
  return Object.keys(resource).filter((key) => !allowed.has(key.startsWith('_') ? key.slice(1) : key) || key === '_resourceType');
}
