import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { UserRole } from '../clients/user.entity';
import type { ProviderSettings } from './identity-provider-settings';

export type IdentityProviderType = 'oidc' | 'ldap';
export type Provisioning = 'create' | 'link-only';

/** An upstream identity provider the operator trusts to say who a person is (OIDC or an LDAP directory). */
@Entity('identity_providers')
export class IdentityProviderEntity {
  /** Operator-chosen slug; part of the redirect URI registered upstream, so it never changes. */
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  type: IdentityProviderType;

  @Column('text', { name: 'display_name' })
  displayName: string;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('text')
  provisioning: Provisioning;

  /** Upstream group name → role here. */
  @Column('jsonb', { name: 'role_map', default: () => "'{}'" })
  roleMap: Record<string, UserRole>;

  /** The role of people in none of the mapped groups; null refuses them. */
  @Column('text', { name: 'default_role', nullable: true })
  defaultRole: UserRole | null;

  /** Type-specific, non-secret settings. */
  @Column('jsonb')
  settings: ProviderSettings;

  /** The client secret (OIDC) or bind password (LDAP), sealed like signing keys (KEY_ENCRYPTION_SECRET). */
  @Column('text', { nullable: true })
  secret: string | null;

  /** For private_key_jwt: this server's private JWK for this provider, sealed the same way. */
  @Column('text', { name: 'private_jwk', nullable: true })
  privateJwk: string | null;

  @Column('boolean', { name: 'secrets_encrypted', default: false })
  secretsEncrypted: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
