import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Failed sign-ins, counted per account and per IP address to throttle password guessing across processes. */
@Entity('login_failures')
@Index('login_failures_key_created_at', ['throttleKey', 'createdAt'])
export class LoginFailureEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** `account:<username>` or `ip:<address>`. */
  @Column('text', { name: 'throttle_key' })
  throttleKey: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
