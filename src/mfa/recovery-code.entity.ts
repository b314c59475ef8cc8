import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A single-use recovery code (NIST SP 800-63B §5.1.2 look-up secret), stored only as a hash. */
@Entity('mfa_recovery_codes')
@Index('mfa_recovery_codes_user_code', ['userId', 'codeHash'], { unique: true })
export class RecoveryCodeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Column('text', { name: 'code_hash' })
  codeHash: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
