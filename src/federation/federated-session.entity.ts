import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Which identity provider began a sign-in session, so disabling the provider can end its sessions. */
@Entity('federated_sessions')
@Index('federated_sessions_provider', ['providerId'])
export class FederatedSessionEntity {
  @PrimaryColumn('uuid', { name: 'session_id' })
  sessionId: string;

  @Column('text', { name: 'provider_id' })
  providerId: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
