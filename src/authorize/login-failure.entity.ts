import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Failed sign-ins, counted per account, per account-and-address pair and per address (LoginThrottleService). */
@Entity('login_failures')
@Index('login_failures_key_created_at', ['throttleKey', 'createdAt'])
export class LoginFailureEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** `account:<HMAC of the username>`, `pair:<HMAC>:<address>` or `ip:<address>`; never the typed username. */
  @Column('text', { name: 'throttle_key' })
  throttleKey: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
