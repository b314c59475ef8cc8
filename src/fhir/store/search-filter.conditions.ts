import { COMPARTMENT_ELEMENTS, OperationOutcomeError } from '../../fhir-auth';
import { SearchFilter } from './search-request';
import { elementPath, referenceCondition, SqlParameters, tokenCondition } from './sql-conditions';

// Elements searched by `date`, per type (FHIR R4 search parameter definitions, first choice of each).
const DATE_ELEMENTS: Record<string, string[]> = {
  Observation: ['effectiveDateTime', 'effectivePeriod,start', 'effectiveInstant', 'issued'],
  Condition: ['onsetDateTime', 'recordedDate'],
  Encounter: ['period,start'],
  AllergyIntolerance: ['recordedDate'],
  MedicationRequest: ['authoredOn'],
  Procedure: ['performedDateTime', 'performedPeriod,start'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod,start'],
  Immunization: ['occurrenceDateTime'],
};

const DATE_VALUE = /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$/;
const INSTANT_TEMPLATE = '0000-01-01T00:00:00';

/** SQL for one search parameter occurrence (values OR-ed); value lists are bound as one array or one jsonpath. */
export function filterCondition(resourceType: string, filter: SearchFilter, parameters: SqlParameters): string {
  const { name, values } = filter;
  switch (name) {
    case '_id':
      return `id = ANY(${parameters.add(values)}::text[])`;
    case 'patient':
      if (resourceType === 'Patient') return `id = ANY(${parameters.add(values.map((value) => referenceId(value, 'Patient')))}::text[])`;
      return referenceCondition(
        COMPARTMENT_ELEMENTS,
        values.map((value) => `Patient/${referenceId(value, 'Patient')}`),
        parameters,
      );
    case 'subject':
    case 'encounter':
      return referenceCondition(
        [name],
        values.map((value) => qualifiedReference(value, name === 'encounter' ? 'Encounter' : 'Patient')),
        parameters,
      );
    case 'identifier':
      return tokenCondition('$."identifier"', values, parameters, 'value');
    case 'name':
      return nameCondition(values, parameters);
    case '_lastUpdated':
    case 'date':
      return `(${values.map((value) => valueCondition(resourceType, name, value, parameters)).join(' OR ')})`;
    default:
      return tokenCondition(elementPath(name) as string, values, parameters);
  }
}

function valueCondition(resourceType: string, name: string, value: string, parameters: SqlParameters): string {
  // The column itself against UTC instants (bounds are whole seconds, so this equals comparing the column's
  // text truncated to seconds), which lets the (resource_type, last_updated) index answer.
  // Year 0000 and the bound after 9999 are outside timestamptz's input range: they become ∓infinity.
  if (name === '_lastUpdated') return dateCondition('last_updated', value, parameters, timestampBound);
  const columns = (DATE_ELEMENTS[resourceType] ?? []).map((element) => `(resource #>> '{${element}}')`);
  if (columns.length === 0) return 'FALSE';
  return dateCondition(normalisedInstant(`COALESCE(${columns.join(', ')})`), value, parameters);
}

function timestampBound(instant: string): string {
  if (instant.startsWith('+')) return 'infinity';
  return instant < '0001' ? '-infinity' : `${instant}Z`;
}

function nameCondition(values: readonly string[], parameters: SqlParameters): string {
  const patterns = parameters.add(values.map((value) => `${value.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`));
  const paths = ['lax $."name"."family"', 'lax $."name"."given"', 'lax $."name"."text"', 'lax $."name" ? (@.type() == "string")'];
  return `EXISTS (SELECT 1 FROM (${paths.map((path) => `SELECT jsonb_path_query(resource, '${path}') AS v`).join(' UNION ALL ')}) AS names
    WHERE lower(names.v #>> '{}') LIKE ANY(${patterns}::text[]))`;
}

// Dates compare as normalised `YYYY-MM-DDTHH:MM:SS` text (time-zone offsets are not applied).
function dateCondition(column: string, raw: string, parameters: SqlParameters, bind = (instant: string): string => instant): string {
  const match = DATE_VALUE.exec(raw);
  if (!match) throw OperationOutcomeError.invalid(`'${raw.slice(0, 40)}' is not a FHIR date search value`);
  const prefix = match[1] ?? 'eq';
  const value = match[2].slice(0, 19);
  const lower = value + INSTANT_TEMPLATE.slice(value.length);
  if (Number.isNaN(Date.parse(`${lower}Z`)) || new Date(`${lower}Z`).toISOString().slice(0, 19) !== lower) {
    throw OperationOutcomeError.invalid(`'${raw.slice(0, 40)}' is not a valid date`);
  }
  // Only parameters that appear in the SQL may be bound: PostgreSQL cannot type an unused one.
  const start = (): string => parameters.add(bind(lower));
  const end = (): string => parameters.add(bind(upperBound(value)));
  switch (prefix) {
    case 'gt':
    case 'sa':
      return `${column} >= ${end()}`;
    case 'ge':
      return `${column} >= ${start()}`;
    case 'lt':
    case 'eb':
      return `${column} < ${start()}`;
    case 'le':
      return `${column} < ${end()}`;
    case 'ne':
      return `NOT (${column} >= ${start()} AND ${column} < ${end()})`;
    default:
      return `(${column} >= ${start()} AND ${column} < ${end()})`;
  }
}

function normalisedInstant(text: string): string {
  return `(left(${text}, 19) || substr('${INSTANT_TEMPLATE}', length(left(${text}, 19)) + 1))`;
}

// The first instant after the precision of `value`: 2024 → 2025-01-01T00:00:00, 2024-03-05 → 2024-03-06T00:00:00.
function upperBound(value: string): string {
  const [datePart, timePart] = value.split('T');
  const [year, month, day] = datePart.split('-').map(Number);
  let date: Date;
  if (timePart) {
    const [hours, minutes, seconds] = timePart.split(':').map(Number);
    date = new Date(Date.UTC(year, month - 1, day, hours, minutes, (seconds ?? 0) + (timePart.split(':').length === 3 ? 1 : 60)));
  } else if (day !== undefined) date = new Date(Date.UTC(year, month - 1, day + 1));
  else if (month !== undefined) date = new Date(Date.UTC(year, month, 1));
  else date = new Date(Date.UTC(year + 1, 0, 1));
  if (Number.isNaN(date.getTime())) throw OperationOutcomeError.invalid(`'${value}' is not a valid date`);
  return date.toISOString().slice(0, 19);
}

function referenceId(value: string, type: string): string {
  const match = new RegExp(`^(?:.*/)?(?:${type}/)?([A-Za-z0-9\\-.]{1,64})$`).exec(value);
  if (!match) throw OperationOutcomeError.invalid(`'${value.slice(0, 80)}' is not a ${type} reference`);
  return match[1];
}

function qualifiedReference(value: string, defaultType: string): string {
  const match = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (match) return `${match[1]}/${match[2]}`;
  return `${defaultType}/${referenceId(value, defaultType)}`;
}
