import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every version of every resource, deletions included (FHIR R4 history and vread). */
@Entity('fhir_resource_history')
@Index('fhir_resource_history_type_updated', ['resourceType', 'lastUpdated'])
export class FhirResourceHistoryEntity {
  @PrimaryColumn('text', { name: 'resource_type' })
  resourceType: string;

  @PrimaryColumn('text')
  id: string;

  @PrimaryColumn('integer', { name: 'version_id' })
  versionId: number;

  @Column('timestamptz', { name: 'last_updated' })
  lastUpdated: Date;

  /** Null for a deletion. */
  @Column('jsonb', { nullable: true })
  resource: Record<string, unknown> | null;

  @Column('boolean', { default: false })
  deleted: boolean;

  /** HTTP method that produced this version (POST, PUT, PATCH, DELETE), for history Bundle entries. */
  @Column('text')
  method: string;
}
