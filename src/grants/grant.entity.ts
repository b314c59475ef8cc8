import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A user's approval of a client (consent), or for backend services and EHR-less flows the authorization the
 * client acts under. Codes, refresh tokens and access tokens carry its id; revoking it ends them all.
 */
@Entity('grants')
@Index('grants_user_client', ['userId', 'clientId'])
export class GrantEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  /** Null for grants without a user (backend services). */
  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  /** The approved scope string (the ceiling a remembered consent may reuse). */
  @Column('text')
  scope: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
