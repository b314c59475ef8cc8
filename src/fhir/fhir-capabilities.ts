import { DiscoveryContribution } from '../discovery/discovery-registry';
import { SUPPORTED_PARAMETERS } from './store/search-request';
import { STORE_RESOURCE_TYPES } from './validation/resource-elements';

// The US Core types the CapabilityStatement lists: exactly the types the built-in store holds (its write
// validation has an element table for each); the gateway lists the same.
const LISTED_TYPES = STORE_RESOURCE_TYPES;
const INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const SEARCH_TYPES: Record<string, string> = {
  _id: 'token',
  _lastUpdated: 'date',
  date: 'date',
  patient: 'reference',
  subject: 'reference',
  encounter: 'reference',
  name: 'string',
};

/** What /fhir/metadata lists for the active mode (built-in store or gateway). */
export function fhirCapabilities(mode: 'store' | 'gateway'): DiscoveryContribution {
  const searchParam =
    mode === 'store' ? [...SUPPORTED_PARAMETERS].map((name) => ({ name, type: SEARCH_TYPES[name] ?? 'token' })) : undefined;
  return {
    fhirResources: LISTED_TYPES.map((type) => ({ type, interaction: INTERACTIONS, ...(searchParam ? { searchParam } : {}) })),
    fhirSystemInteractions: mode === 'store' ? ['batch', 'transaction', 'history-system'] : ['batch', 'transaction'],
  };
}
