import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface StoredResource {
  id: string;
  resource: Record<string, unknown>;
}

/**
 * The store's current Patients and Encounters as the sign-in pages' pickers list them (by name, by patient),
 * read here so no other module touches this module's table.
 */
@Injectable()
export class PatientPickerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Patients whose id or name contains `text` (case-insensitive), by family name. */
  searchPatients(text: string, limit: number): Promise<StoredResource[]> {
    const pattern = `%${text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.dataSource.query(
      `SELECT id, resource FROM fhir_resources
        WHERE resource_type = 'Patient' AND NOT deleted
          AND ($1 = '%%' OR id ILIKE $1 OR (resource -> 'name')::text ILIKE $1)
        ORDER BY lower(coalesce(resource #>> '{name,0,family}', '')), id LIMIT $2`,
      [pattern, limit],
    );
  }

  /** The current, not deleted, resource of that type and id. */
  async find(resourceType: 'Patient' | 'Encounter', id: string): Promise<StoredResource | null> {
    const rows: StoredResource[] = await this.dataSource.query(
      `SELECT id, resource FROM fhir_resources WHERE resource_type = $1 AND id = $2 AND NOT deleted`,
      [resourceType, id],
    );
    return rows[0] ?? null;
  }

  /** The patient's encounters, latest first. */
  encountersOf(patientId: string, limit: number): Promise<StoredResource[]> {
    return this.dataSource.query(
      `SELECT id, resource FROM fhir_resources
        WHERE resource_type = 'Encounter' AND NOT deleted
          AND resource #>> '{subject,reference}' IN ($1, $2)
        ORDER BY resource #>> '{period,start}' DESC NULLS LAST, id LIMIT $3`,
      [`Patient/${patientId}`, patientId, limit],
    );
  }
}
