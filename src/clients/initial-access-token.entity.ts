import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** RFC 7591 §3: an initial access token for protected registration, stored as SHA-256 only. */
@Entity('initial_access_tokens')
export class InitialAccessTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('initial_access_tokens_token_hash', { unique: true })
  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('text', { nullable: true })
  description: string | null;

  /** Scope ceiling of the clients registered with this token (RFC 7591 §3 pre-authorization); null: none. */
  @Column('text', { nullable: true })
  scope: string | null;

  @Column('boolean', { name: 'single_use', default: true })
  singleUse: boolean;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
