import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** How a sign-in session began: the first factor, or the EHR vouching for the person. */
export type LoginMethod = 'password' | 'ehr-launch' | 'federated' | 'passkey';

/** A signed-in browser. The cookie holds a random token; only its hash is stored, so any process can continue a flow. */
@Entity('login_sessions')
@Index('login_sessions_token_hash', ['tokenHash'], { unique: true })
@Index('login_sessions_user_id', ['userId'])
export class LoginSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Column('text')
  method: LoginMethod;

  /** RFC 8176 authentication method references of this sign-in (e.g. pwd, otp, mfa), for the id_token's amr. */
  @Column('text', { array: true, default: () => "'{}'" })
  amr: string[];

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;

  /** The address the sign-in came from (after TRUST_PROXY), shown on the account page. */
  @Column('text', { nullable: true })
  ip: string | null;

  /** The browser's User-Agent at sign-in, truncated; shown on the account page. */
  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;
}
