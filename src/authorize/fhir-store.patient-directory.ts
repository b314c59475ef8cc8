import { Injectable, Logger } from '@nestjs/common';
import type { PatientPickerRepository, StoredResource } from '../fhir/store/patient-picker.repository';
import { EncounterSummary, PatientDirectory, PatientSummary } from './patient-directory';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
    const reference = asText((row.resource as Json)?.subject?.reference) ?? '';
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
  const names: unknown[] = Array.isArray(resource?.name) ? resource.name : [];
  const name = names.find((candidate): candidate is Json => typeof candidate === 'object' && candidate !== null) ?? {};
  const given = Array.isArray(name.given) ? name.given : [];
  const text = asText(name.text) ?? [...given, name.family].map(asText).filter(Boolean).join(' ');
  return { id, name: text || id, birthDate: asText(resource?.birthDate), gender: asText(resource?.gender) };
}

function toEncounter(id: string, resource: Json): EncounterSummary {
  const type = Array.isArray(resource?.type) ? resource.type[0] : undefined;
  const coding = Array.isArray(type?.coding) ? type.coding[0] : undefined;
  const label = asText(type?.text) ?? asText(coding?.display) ?? asText(resource?.class?.display) ?? asText(resource?.class?.code);
  const start = asText(resource?.period?.start);
  return { id, label: [label, asText(resource?.status)].filter(Boolean).join(' · ') || id, period: start ? start.slice(0, 10) : undefined };
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
