import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A resource server other than this server's own /fhir: tokens requested for it (RFC 8707
 * `resource`, SMART `aud`) carry its audience, so they are refused everywhere else.
 */
@Entity('resource_servers')
@Index('resource_servers_base_url', ['baseUrl'], { unique: true })
@Index('resource_servers_audience', ['audience'], { unique: true })
export class ResourceServerEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The URL apps send as `aud`/`resource`, stored normalized (no trailing slash). */
  @Column('text', { name: 'base_url' })
  baseUrl: string;

  /** The `aud` claim of its access tokens; the base URL unless the operator chose another. */
  @Column('text')
  audience: string;

  /** The most a token for this server may carry: granted scopes are intersected with it. */
  @Column('text')
  scope: string;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
