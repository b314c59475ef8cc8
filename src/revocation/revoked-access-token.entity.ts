import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Revoked access-token ids (jti), kept until the token would have expired anyway. */
@Entity('revoked_access_tokens')
@Index('revoked_access_tokens_expires_at', ['expiresAt'])
export class RevokedAccessTokenEntity {
  @PrimaryColumn('text')
  jti: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'revoked_at', default: () => 'now()' })
  revokedAt: Date;
}
