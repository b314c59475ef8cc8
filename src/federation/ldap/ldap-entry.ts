import { Entry } from 'ldapts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_VALUE_LENGTH = 1024;

/** The attribute's values, found whatever the case the server spells its name in (RFC 4512 §2.5). */
export function valuesOf(entry: Entry, attribute: string): (string | Buffer)[] {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase() && name !== 'dn');
  if (key === undefined) return [];
  const value = entry[key];
  return Array.isArray(value) ? value : [value];
}

/** The first non-empty text value, bounded; null when there is none. */
export function firstText(entry: Entry, attribute: string | undefined): string | null {
  if (!attribute) return null;
  for (const value of valuesOf(entry, attribute)) {
    const text = (Buffer.isBuffer(value) ? value.toString('utf8') : value).trim();
    if (text) return text.slice(0, MAX_VALUE_LENGTH);
  }
  return null;
}

/**
 * Active Directory's objectGUID is 16 bytes in the Windows GUID layout: the first three fields little-endian,
 * the last two as stored ([MS-DTYP] §2.3.4.2). Returned in the canonical 8-4-4-4-12 form, lower case.
 */
export function guidFromObjectGuid(bytes: Buffer): string | null {
  if (bytes.length !== 16) return null;
  const field = (start: number, end: number, littleEndian: boolean): string => {
    const part = Buffer.from(bytes.subarray(start, end));
    return (littleEndian ? part.reverse() : part).toString('hex');
  };
  return [field(0, 4, true), field(4, 6, true), field(6, 8, true), field(8, 10, false), field(10, 16, false)].join('-');
}

/**
 * The person's immutable id: entryUUID (RFC 4530, OpenLDAP and most servers; not writable by anyone) and,
 * failing that, objectGUID (Active Directory). Never the DN or mail, which change on a rename or marriage.
 */
export function immutableIdOf(entry: Entry): string | null {
  const [uuid] = valuesOf(entry, 'entryUUID');
  if (uuid !== undefined) {
    const text = Buffer.isBuffer(uuid) ? uuid.toString('utf8') : uuid;
    if (UUID.test(text)) return text.toLowerCase();
  }
  const [guid] = valuesOf(entry, 'objectGUID');
  if (Buffer.isBuffer(guid)) return guidFromObjectGuid(guid);
  return null;
}
