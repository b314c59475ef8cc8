import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type SigningAlgorithm = 'RS256' | 'ES256';

@Entity('signing_keys')
// One active (not retired) key per algorithm, enforced by the database for concurrent starts.
@Index('signing_keys_one_active_per_alg', ['alg'], { unique: true, where: 'retired_at IS NULL' })
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid: string;

  @Column('text')
  alg: SigningAlgorithm;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk: Record<string, string>;

  /** The private JWK as JSON, or a compact JWE of it when `private_key_encrypted`. */
  @Column('text', { name: 'private_key' })
  privateKey: string;

  @Column('boolean', { name: 'private_key_encrypted' })
  privateKeyEncrypted: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt: Date | null;

  /** A retired key stays in the JWKS until every token it signed has expired. */
  @Column('timestamptz', { name: 'publish_until', nullable: true })
  publishUntil: Date | null;
}
