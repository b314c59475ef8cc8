// FHIR R4 datatypes.html#date, #dateTime, #instant: a four-digit year, optional month and day, and a time only
// together with a time zone. Every value of this form is inside PostgreSQL's timestamp range.
const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(?:\.\d{1,9})?(?:Z|[+-](?:0\d|1[0-3]):[0-5]\d|[+-]14:00))?)?)?$/;

/** A FHIR date, dateTime or instant whose day exists in the calendar. */
export function isFhirDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day] = [
    Number(match[1]),
    match[2] === undefined ? 1 : Number(match[2]),
    match[3] === undefined ? 1 : Number(match[3]),
  ];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
}

/** `_since` and similar instants: a FHIR dateTime, as a Date; undefined for anything else. */
export function parseFhirDateTime(value: string): Date | undefined {
  if (!isFhirDateTime(value)) return undefined;
  const date = new Date(/T/.test(value) ? value : `${value}${'-01-01'.slice(value.length - 4)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
