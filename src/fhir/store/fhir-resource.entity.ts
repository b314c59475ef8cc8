import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The current version of every resource in the built-in FHIR store (R4 JSON as jsonb). */
@Entity('fhir_resources')
@Index('fhir_resources_last_updated', ['resourceType', 'lastUpdated'])
// GIN (resource jsonb_path_ops) for search; TypeORM cannot describe an operator-class index, so the migration owns it.
@Index('fhir_resources_content', { synchronize: false })
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
