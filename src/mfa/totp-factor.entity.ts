import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A person's authenticator app (RFC 6238 TOTP). One row per user: while `confirmedAt` is null it is an enrolment
 * in progress (the secret was shown, no code confirmed it yet) and counts as no factor.
 */
@Entity('mfa_totp_factors')
@Index('mfa_totp_factors_user_id', ['userId'], { unique: true })
export class TotpFactorEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  /** The Base32 shared secret: a compact JWE under KEY_ENCRYPTION_SECRET, or in clear when none is configured. */
  @Column('text')
  secret: string;

  @Column('boolean', { name: 'secret_encrypted' })
  secretEncrypted: boolean;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('timestamptz', { name: 'confirmed_at', nullable: true })
  confirmedAt: Date | null;

  /** RFC 6238 §5.2: the last accepted time step; a code of this step or an earlier one is refused (no replay). */
  @Column('bigint', { name: 'last_time_step', nullable: true })
  lastTimeStep: string | null;
}
