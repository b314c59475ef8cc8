import { isFhirDateTime } from './fhir-date';

type Json = Record<string, unknown>;

// Types whose `name` is HumanName[] (R4); elsewhere `name` is a string (Organization, Location, CareTeam).
const HUMAN_NAME_TYPES = new Set(['Patient', 'Practitioner', 'RelatedPerson']);
// Types whose `identifier` is a single Identifier (R4 QuestionnaireResponse.identifier is 0..1).
const SINGLE_IDENTIFIER_TYPES = new Set(['QuestionnaireResponse']);
// Primitive date, dateTime and instant elements outside the `…Date`/`…DateTime`/`…Instant` naming pattern.
const DATE_ELEMENT_NAMES = new Set([
  'date',
  'authoredOn',
  'issued',
  'recorded',
  'authored',
  'created',
  'lastUpdated',
  'whenPrepared',
  'whenHandedOver',
  'receivedTime',
]);

/**
 * The first datatype error in the elements this server itself reads (so stored data never breaks a page that shows it):
 * HumanName, Identifier, Reference.reference, Period and date/dateTime/instant values (R4 datatypes.html), or
 * undefined. `resource` has passed jsonSafetyProblem, so the recursion below is bounded.
 */
export function datatypeProblem(resourceType: string, resource: Json): string | undefined {
  if (resource.id !== undefined && typeof resource.id !== 'string') return 'id must be a string';
  if (resource.meta !== undefined && !isObject(resource.meta)) return 'meta must be an object (Meta)';
  if (resource.name !== undefined) {
    const problem = HUMAN_NAME_TYPES.has(resourceType)
      ? arrayOf(resource.name, humanNameProblem, 'name')
      : typeof resource.name === 'string'
        ? undefined
        : 'name must be a string';
    if (problem) return problem;
  }
  if (resourceType === 'Patient' && Array.isArray(resource.contact)) {
    for (const contact of resource.contact) {
      if (isObject(contact) && contact.name !== undefined) {
        const problem = humanNameProblem(contact.name, 'contact.name');
        if (problem) return problem;
      }
    }
  }
  if (resource.identifier !== undefined) {
    const problem = SINGLE_IDENTIFIER_TYPES.has(resourceType)
      ? identifierProblem(resource.identifier, 'identifier')
      : arrayOf(resource.identifier, identifierProblem, 'identifier');
    if (problem) return problem;
  }
  for (const key of ['gender', 'status'] as const) {
    if (resource[key] !== undefined && typeof resource[key] !== 'string') return `${key} must be a string (code)`;
  }
  return nestedProblem(resource, '');
}

// Reference.reference, Periods and dates wherever they occur, contained resources and extensions included.
function nestedProblem(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = nestedProblem(item, path);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const where = path ? `${path}.${key}` : key;
    if (key === 'reference' && typeof child !== 'string') return `${where} must be a string (Reference.reference)`;
    if (isDateElement(key) && !listItems(child).every(isFhirDateTime)) return `${where} must be a FHIR date, dateTime or instant`;
    if (isPeriodElement(key)) {
      const problem = listOf(child, periodProblem, where);
      if (problem) return problem;
    }
    const problem = nestedProblem(child, where);
    if (problem) return problem;
  }
  return undefined;
}

function humanNameProblem(value: unknown, where: string): string | undefined {
  if (!isObject(value)) return `${where} must be HumanName objects`;
  for (const key of ['use', 'text', 'family'] as const)
    if (value[key] !== undefined && typeof value[key] !== 'string') return `${where}.${key} must be a string`;
  for (const key of ['given', 'prefix', 'suffix'] as const) {
    const list = value[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string')))
      return `${where}.${key} must be an array of strings`;
  }
  return undefined;
}

function identifierProblem(value: unknown, where: string): string | undefined {
  if (!isObject(value)) return `${where} must be Identifier objects`;
  for (const key of ['use', 'system', 'value'] as const)
    if (value[key] !== undefined && typeof value[key] !== 'string') return `${where}.${key} must be a string`;
  if (value.type !== undefined && !isObject(value.type)) return `${where}.type must be a CodeableConcept`;
  if (value.assigner !== undefined && !isObject(value.assigner)) return `${where}.assigner must be a Reference`;
  return undefined;
}

function periodProblem(value: unknown, where: string): string | undefined {
  if (!isObject(value)) return `${where} must be a Period`;
  for (const key of ['start', 'end'] as const)
    if (value[key] !== undefined && !isFhirDateTime(value[key])) return `${where}.${key} must be a FHIR dateTime`;
  return undefined;
}

function listOf(value: unknown, check: (item: unknown, where: string) => string | undefined, where: string): string | undefined {
  if (!Array.isArray(value)) return check(value, where);
  for (const item of value) {
    const problem = check(item, where);
    if (problem) return problem;
  }
  return undefined;
}

function arrayOf(value: unknown, check: (item: unknown, where: string) => string | undefined, where: string): string | undefined {
  return Array.isArray(value) ? listOf(value, check, where) : `${where} must be an array`;
}

function listItems(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isDateElement(key: string): boolean {
  return DATE_ELEMENT_NAMES.has(key) || /^[a-z][A-Za-z]*(Date|DateTime|Instant)$/.test(key);
}

function isPeriodElement(key: string): boolean {
  return key === 'period' || /^[a-z][A-Za-z]*Period$/.test(key);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
