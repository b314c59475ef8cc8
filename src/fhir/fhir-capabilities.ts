import { DiscoveryContribution } from '../discovery/discovery-registry';
import { SUPPORTED_PARAMETERS } from './store/search-request';

// The US Core types the CapabilityStatement lists; the built-in store accepts every R4 type.
const LISTED_TYPES = [
  'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device', 'DiagnosticReport', 'DocumentReference',
  'Encounter', 'Goal', 'Immunization', 'Location', 'Medication', 'MedicationDispense', 'MedicationRequest', 'Observation',
  'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Procedure', 'Provenance', 'QuestionnaireResponse',
  'RelatedPerson', 'ServiceRequest', 'Specimen',
];
const INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const SEARCH_TYPES: Record<string, string> = { _id: 'token', _lastUpdated: 'date', date: 'date', patient: 'reference', subject: 'reference', encounter: 'reference', name: 'string' };

/** What /fhir/metadata lists for the active mode (built-in store or gateway). */
export function fhirCapabilities(mode: 'store' | 'gateway'): DiscoveryContribution {
  const searchParam = mode === 'store' ? [...SUPPORTED_PARAMETERS].map((name) => ({ name, type: SEARCH_TYPES[name] ?? 'token' })) : undefined;
  return {
    fhirResources: LISTED_TYPES.map((type) => ({ type, interaction: INTERACTIONS, ...(searchParam ? { searchParam } : {}) })),
    fhirSystemInteractions: mode === 'store' ? ['batch', 'transaction', 'history-system'] : ['batch', 'transaction'],
  };
}
