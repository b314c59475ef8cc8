import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Reset requests per client address, counted over a window (PasswordResetService); never the typed name. */
@Entity('password_reset_requests')
@Index('password_reset_requests_key_created_at', ['throttleKey', 'createdAt'])
export class PasswordResetRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** `ip:<address>` (IPv6 by its /64). */
  @Column('text', { name: 'throttle_key' })
  throttleKey: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
