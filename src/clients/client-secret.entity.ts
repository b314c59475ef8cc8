import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A client secret, stored as SHA-256 only; two rows are active while a rotation overlaps. */
@Entity('client_secrets')
@Index('client_secrets_client_id', ['clientId'])
export class ClientSecretEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  @Column('text', { name: 'secret_hash' })
  secretHash: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  /** Null while the secret is current; set when a rotation gives it an end. */
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;
}
