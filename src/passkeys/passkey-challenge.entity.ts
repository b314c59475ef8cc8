import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a challenge was issued for; a challenge is redeemed only for the same purpose. */
export type PasskeyChallengePurpose = 'registration' | 'sign-in' | 'second-factor';

/**
 * A WebAuthn challenge (§13.4.3: random, at least 16 bytes, used once). Only its SHA-256 is stored; it is bound
 * to the browser (or sign-in session) that asked for it and, except for passwordless sign-in, to the person.
 */
@Entity('passkey_challenges')
@Index('passkey_challenges_expires_at', ['expiresAt'])
export class PasskeyChallengeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('passkey_challenges_challenge_hash', { unique: true })
  @Column('text', { name: 'challenge_hash' })
  challengeHash: string;

  @Column('text')
  purpose: PasskeyChallengePurpose;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  /** Hash identifying the browser or session that asked; the response must come from the same one. */
  @Column('text')
  binding: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
