import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tombstone for every deleted client: its `client_id` is never issued again (RFC 7592 §2.3), so a new client
 * cannot inherit anything that still names the old one.
 */
@Entity('deleted_client_ids')
export class DeletedClientIdEntity {
  @PrimaryColumn('text', { name: 'client_id', primaryKeyConstraintName: 'deleted_client_ids_pkey' })
  clientId: string;

  @Column('timestamptz', { name: 'deleted_at', default: () => 'now()' })
  deletedAt: Date;
}
