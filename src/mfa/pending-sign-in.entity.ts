import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A first factor proved, the second not yet: no sign-in session exists. The browser holds a random token in a
 * cookie (only its hash is stored) and must present the same `smart_auth_browser` cookie it had when the
 * first factor was proved.
 */
@Entity('mfa_pending_sign_ins')
@Index('mfa_pending_sign_ins_token_hash', ['tokenHash'], { unique: true })
@Index('mfa_pending_sign_ins_user_id', ['userId'])
@Index('mfa_pending_sign_ins_expires_at', ['expiresAt'])
export class PendingSignInEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('text', { name: 'browser_hash' })
  browserHash: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  /** How the first factor was proved (the sign-in session's method once complete). */
  @Column('text')
  method: string;

  /** RFC 8176 methods of the first factor; the second factor's are added on completion. */
  @Column('text', { array: true })
  amr: string[];

  /** The /authorize parameters to resume (serialized as the sign-in form carries them), or null. */
  @Column('text', { name: 'authorization_request', nullable: true })
  authorizationRequest: string | null;

  /** A local path to go back to when there is no authorization request. */
  @Column('text', { name: 'return_to', nullable: true })
  returnTo: string | null;

  @Column('int', { default: 0 })
  failures: number;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
