import { Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One origin of a client's redirect URIs, kept so the CORS policy finds the clients behind an `Origin` header by
 * index instead of scanning every client. Only enabled, verified clients' origins are allowed (docs/clients.md).
 */
@Entity('client_origins')
@Index('client_origins_origin', ['origin'])
export class ClientOriginEntity {
  @PrimaryColumn('text', { name: 'client_id', primaryKeyConstraintName: 'client_origins_pkey' })
  clientId: string;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'client_origins_pkey' })
  origin: string;
}
