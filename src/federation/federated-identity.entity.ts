import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A person at an identity provider, linked to a user here by the provider's immutable identifier for them
 * (OIDC `sub` at the provider's issuer, LDAP entryUUID/objectGUID), never by e-mail or username.
 */
@Entity('federated_identities')
@Index('federated_identities_provider_subject', ['providerId', 'subject'], { unique: true })
@Index('federated_identities_user', ['userId'])
export class FederatedIdentityEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'provider_id' })
  providerId: string;

  @Column('text')
  subject: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  /** As last seen upstream, for the operator's eyes only (never used to find the person). */
  @Column('text', { name: 'upstream_username', nullable: true })
  upstreamUsername: string | null;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_sign_in_at', nullable: true })
  lastSignInAt: Date | null;
}
