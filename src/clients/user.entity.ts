import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type UserRole = 'patient' | 'practitioner';

@Entity('users')
// Unique on lower(email) (migration AddEmailToUsers): an expression index TypeORM does not model.
@Index('users_email_lower', { synchronize: false })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-case, so lookups are case-insensitive and uniqueness holds regardless of case. */
  @Index('users_username', { unique: true })
  @Column('text')
  username: string;

  /** Where password reset links go; kept as typed, unique regardless of case. */
  @Column('text', { nullable: true })
  email: string | null;

  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  @Column('text', { name: 'display_name' })
  displayName: string;

  /** Relative reference such as `Practitioner/example-practitioner-1`. */
  @Column('text', { name: 'fhir_user' })
  fhirUser: string;

  @Column('text')
  role: UserRole;

  /** Patient ids a practitioner may pick; null means any patient. */
  @Column('text', { name: 'restricted_to_patients', array: true, nullable: true })
  restrictedToPatients: string[] | null;

  @Column('boolean', { default: true })
  enabled: boolean;

  /** Created by the demo seed; only these users appear in, and can be launched by, the demo EHR launcher. */
  @Column('boolean', { default: false })
  demo: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
