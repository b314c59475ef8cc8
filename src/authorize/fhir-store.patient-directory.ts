import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EncounterSummary, PatientDirectory, PatientSummary } from './patient-directory';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Reads the FHIR store's current resources (table fhir_resources, owned by src/fhir).
@Injectable()
export class FhirStorePatientDirectory implements PatientDirectory {
  private readonly logger = new Logger('PatientDirectory');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async searchPatients(text: string, limit: number): Promise<PatientSummary[]> {
    const pattern = `%${text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.select(
      `SELECT id, resource FROM fhir_resources
        WHERE resource_type = 'Patient' AND NOT deleted
          AND ($1 = '%%' OR id ILIKE $1 OR (resource -> 'name')::text ILIKE $1)
        ORDER BY lower(coalesce(resource #>> '{name,0,family}', '')), id LIMIT $2`,
      [pattern, limit],
    );
    return rows.map((row) => toPatient(row.id, row.resource));
  }

  async findPatient(id: string): Promise<PatientSummary | null> {
    const rows = await this.select(`SELECT id, resource FROM fhir_resources WHERE resource_type = 'Patient' AND id = $1 AND NOT deleted`, [id]);
    return rows[0] ? toPatient(rows[0].id, rows[0].resource) : null;
  }

  async encountersFor(patientId: string): Promise<EncounterSummary[]> {
    const rows = await this.select(
      `SELECT id, resource FROM fhir_resources
        WHERE resource_type = 'Encounter' AND NOT deleted
          AND resource #>> '{subject,reference}' IN ($1, $2)
        ORDER BY resource #>> '{period,start}' DESC NULLS LAST, id LIMIT 50`,
      [`Patient/${patientId}`, patientId],
    );
    return rows.map((row) => toEncounter(row.id, row.resource));
  }

  async findEncounter(id: string): Promise<(EncounterSummary & { patientId: string | null }) | null> {
    const rows = await this.select(`SELECT id, resource FROM fhir_resources WHERE resource_type = 'Encounter' AND id = $1 AND NOT deleted`, [id]);
    if (!rows[0]) return null;
    const reference = asText(rows[0].resource?.subject?.reference) ?? '';
    return { ...toEncounter(rows[0].id, rows[0].resource), patientId: reference.startsWith('Patient/') ? reference.slice(8) : null };
  }

  private async select(sql: string, parameters: unknown[]): Promise<Array<{ id: string; resource: Json }>> {
    try {
      return await this.dataSource.query(sql, parameters);
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
