import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The current version of every resource in the built-in FHIR store (R4 JSON as jsonb). */
@Entity('fhir_resources')
@Index('fhir_resources_last_updated', ['resourceType', 'lastUpdated'])
export class FhirResourceEntity {
  @PrimaryColumn('text', { name: 'resource_type' })
  resourceType: string;

  @PrimaryColumn('text')
  id: string;

  @Column('integer', { name: 'version_id' })
  versionId: number;

  @Column('timestamptz', { name: 'last_updated' })
  lastUpdated: Date;

  @Column('jsonb')
  resource: Record<string, unknown>;

  @Column('boolean', { default: false })
  deleted: boolean;
}
