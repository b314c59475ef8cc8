import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { LaunchContext } from './launch-context';

/** A refresh token, stored only as the SHA-256 hash of its value; rotated on every use. */
@Entity('refresh_tokens')
@Index('refresh_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('refresh_tokens_grant_id', ['grantId'])
@Index('refresh_tokens_expires_at', ['expiresAt'])
export class RefreshTokenEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  @Column('uuid', { name: 'grant_id', nullable: true })
  grantId: string | null;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  /** The scope of the original grant (RFC 6749 §6: a rotated token keeps it). */
  @Column('text')
  scope: string;

  /** The audience the grant was issued for (RFC 8707); null = this server's FHIR base. */
  @Column('text', { nullable: true })
  aud: string | null;

  /** RFC 9449 §5: the DPoP key thumbprint a public client's refresh token is bound to; null = not bound. */
  @Column('text', { name: 'dpop_jkt', nullable: true })
  dpopJkt: string | null;

  @Column('jsonb', { name: 'launch_context' })
  launchContext: LaunchContext;

  @Column('text', { name: 'login_session_id', nullable: true })
  loginSessionId: string | null;

  /** online_access: usable only while the login session is active. */
  @Column('boolean', { default: false })
  online: boolean;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'rotated_at', nullable: true })
  rotatedAt: Date | null;

  @Column('uuid', { name: 'replaced_by', nullable: true })
  replacedBy: string | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
