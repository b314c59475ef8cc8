import { Injectable, Logger } from '@nestjs/common';
import type { PatientPickerRepository, StoredResource } from '../fhir/store/patient-picker.repository';
import { EncounterSummary, PatientDirectory, PatientSummary } from './patient-directory';

type Json = Record<string, unknown>;

// The built-in FHIR store's patients and encounters, read through the FHIR module's repository.
@Injectable()
export class FhirStorePatientDirectory implements PatientDirectory {
  private readonly logger = new Logger('PatientDirectory');

  constructor(private readonly store: PatientPickerRepository) {}

  async searchPatients(text: string, limit: number): Promise<PatientSummary[]> {
    const rows = await this.read(() => this.store.searchPatients(text, limit));
    return rows.map((row) => toPatient(row.id, row.resource));
  }

  async findPatient(id: string): Promise<PatientSummary | null> {
    const [row] = await this.read(async () => [await this.store.find('Patient', id)].filter((found) => found !== null));
    return row ? toPatient(row.id, row.resource) : null;
  }

  async encountersFor(patientId: string): Promise<EncounterSummary[]> {
    const rows = await this.read(() => this.store.encountersOf(patientId, 50));
    return rows.map((row) => toEncounter(row.id, row.resource));
  }

  async findEncounter(id: string): Promise<(EncounterSummary & { patientId: string | null }) | null> {
    const [row] = await this.read(async () => [await this.store.find('Encounter', id)].filter((found) => found !== null));
    if (!row) return null;
    const reference = asText(prop(prop(row.resource, 'subject'), 'reference')) ?? '';
    return { ...toEncounter(row.id, row.resource), patientId: reference.startsWith('Patient/') ? reference.slice(8) : null };
  }

  private async read(query: () => Promise<StoredResource[]>): Promise<StoredResource[]> {
    try {
      return await query();
    } catch (error) {
      // Without a FHIR store (e.g. a gateway in front of an external server) the pickers are simply empty.
      this.logger.warn(`FHIR store unavailable: ${(error as Error).message}`);
      return [];
    }
  }
}

// Stored JSON is read defensively: a resource written before datatypes were checked (or by hand) may hold
// anything, and one such patient must not break the picker or consent page for everyone.
function toPatient(id: string, resource: Json): PatientSummary {
  const names = prop(resource, 'name');
  const name =
    (Array.isArray(names) ? names : []).find((candidate): candidate is Json => typeof candidate === 'object' && candidate !== null) ?? {};
  const given = Array.isArray(name.given) ? name.given : [];
  const text = asText(name.text) ?? [...given, name.family].map(asText).filter(Boolean).join(' ');
  return { id, name: text || id, birthDate: asText(prop(resource, 'birthDate')), gender: asText(prop(resource, 'gender')) };
}

function toEncounter(id: string, resource: Json): EncounterSummary {
  const types = prop(resource, 'type');
  const type = Array.isArray(types) ? types[0] : undefined;
  const codings = prop(type, 'coding');
  const coding = Array.isArray(codings) ? codings[0] : undefined;
  const kind = prop(resource, 'class');
  const label =
    asText(prop(type, 'text')) ?? asText(prop(coding, 'display')) ?? asText(prop(kind, 'display')) ?? asText(prop(kind, 'code'));
  const start = asText(prop(prop(resource, 'period'), 'start'));
  return {
    id,
    label: [label, asText(prop(resource, 'status'))].filter(Boolean).join(' · ') || id,
    period: start ? start.slice(0, 10) : undefined,
  };
}

/** A property of a JSON object, or undefined for anything else (null, strings, numbers). */
function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
