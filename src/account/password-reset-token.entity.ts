import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A password reset link: only the SHA-256 of its random token is stored; single use, 30 minutes. */
@Entity('password_reset_tokens')
@Index('password_reset_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('password_reset_tokens_user_created_at', ['userId', 'createdAt'])
export class PasswordResetTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  /** A local path (the sign-in page's return_to) offered after the reset. */
  @Column('text', { name: 'return_to', nullable: true })
  returnTo: string | null;

  /** The requesting browser (BrowserSessionService.browserBinding): only it is sent on to `returnTo`. */
  @Column('text', { name: 'return_browser', nullable: true })
  returnBrowser: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
