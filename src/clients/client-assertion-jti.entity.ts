import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Seen private_key_jwt assertion ids, kept until the assertion expires (SMART client-confidential-asymmetric). */
@Entity('client_assertion_jtis')
@Index('client_assertion_jtis_expires_at', ['expiresAt'])
export class ClientAssertionJtiEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId: string;

  @PrimaryColumn('text')
  jti: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
