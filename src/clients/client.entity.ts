import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric' | 'backend-service';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface ClientJwks {
  keys: object[];
}

/** RFC 7591 metadata kept only to be returned to the client (client_uri, logo_uri, contacts, ...). */
export type ClientDescriptiveMetadata = Record<string, string | string[]>;

@Entity('clients')
export class ClientEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId: string;

  @Column('text')
  name: string;

  @Column('text')
  type: ClientType;

  @Column('text', { name: 'token_endpoint_auth_method' })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;

  @Column('text', { name: 'redirect_uris', array: true, default: () => `'{}'` })
  redirectUris: string[];

  @Column('text', { name: 'launch_url', nullable: true })
  launchUrl: string | null;

  @Column('text', { name: 'grant_types', array: true, default: () => `'{}'` })
  grantTypes: string[];

  /** Space-separated ceiling of what consent may grant; for backend services the pre-authorized scopes. */
  @Column('text', { default: '' })
  scope: string;

  /**
   * What an operator approved (admin API, CLI, or an initial access token's ceiling at registration): RFC 7592
   * PUT by the client may narrow scope and grant types within these, never widen them (docs/clients.md).
   */
  @Column('text', { name: 'approved_scope', default: '' })
  approvedScope: string;

  @Column('text', { name: 'approved_grant_types', array: true, default: () => `'{}'` })
  approvedGrantTypes: string[];

  /** Operator-created or operator-reviewed; dynamically registered clients start unverified. */
  @Column('boolean', { default: false })
  verified: boolean;

  @Column('jsonb', { nullable: true })
  jwks: ClientJwks | null;

  @Column('text', { name: 'jwks_uri', nullable: true })
  jwksUri: string | null;

  @Column('integer', { name: 'access_token_ttl', nullable: true })
  accessTokenTtl: number | null;

  @Column('integer', { name: 'refresh_token_ttl', nullable: true })
  refreshTokenTtl: number | null;

  @Column('boolean', { name: 'allow_refresh_tokens', default: false })
  allowRefreshTokens: boolean;

  @Column('boolean', { name: 'may_create_launch_contexts', default: false })
  mayCreateLaunchContexts: boolean;

  @Column('boolean', { name: 'may_introspect_any_token', default: false })
  mayIntrospectAnyToken: boolean;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('text', { name: 'registration_access_token_hash', nullable: true })
  registrationAccessTokenHash: string | null;

  @Column('jsonb', { name: 'metadata' })
  metadata: ClientDescriptiveMetadata;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
