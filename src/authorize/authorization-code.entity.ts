import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { LaunchContext } from './launch-context.model';

/** One authorization code (RFC 6749 §4.1.2), stored only as a SHA-256 hash of the value given to the app. */
@Entity('authorization_codes')
@Index('authorization_codes_code_hash', ['codeHash'], { unique: true })
@Index('authorization_codes_expires_at', ['expiresAt'])
export class AuthorizationCodeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'code_hash' })
  codeHash: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  @Column('text', { name: 'redirect_uri' })
  redirectUri: string;

  @Column('text', { name: 'code_challenge' })
  codeChallenge: string;

  /** The granted scope string. */
  @Column('text')
  scope: string;

  @Column('jsonb', { name: 'launch_context', default: () => `'{}'` })
  launchContext: LaunchContext;

  @Column('text')
  aud: string;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  @Column('uuid', { name: 'login_session_id', nullable: true })
  loginSessionId: string | null;

  @Column('uuid', { name: 'grant_id' })
  grantId: string;

  @Column('text', { nullable: true })
  nonce: string | null;

  /** OIDC Core §2: when the person authenticated, for the id_token's auth_time. */
  @Column('timestamptz', { name: 'auth_time', nullable: true })
  authTime: Date | null;

  /** RFC 8176 authentication method references of that sign-in, for the id_token's amr. */
  @Column('text', { array: true, nullable: true })
  amr: string[] | null;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
