import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ClientEntity } from './client.entity';
import { ClientOriginEntity } from './client-origin.entity';
import { originsOf } from './client-origins';
import { ClientSecretEntity } from './client-secret.entity';
import { DeletedClientIdEntity } from './deleted-client-id.entity';
import { isUniqueViolation } from '../database/unique-violation';

class ClientIdTombstoned extends Error {}

@Injectable()
export class ClientRepository {
  private readonly clients: Repository<ClientEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.clients = dataSource.getRepository(ClientEntity);
  }

  findById(clientId: string, manager?: EntityManager): Promise<ClientEntity | null> {
    return (manager?.getRepository(ClientEntity) ?? this.clients).findOneBy({ clientId });
  }

  listAll(): Promise<ClientEntity[]> {
    return this.clients.find({ order: { createdAt: 'ASC' } });
  }

  // The writes run in `manager`'s transaction when given (ClientsService records the audit event in it), else in their own.

  /** Inserts the client and its first secret in one transaction; false when the id is taken or was ever deleted. */
  async insertWithSecret(client: Partial<ClientEntity>, secretHash: string | null, manager?: EntityManager): Promise<boolean> {
    try {
      await this.within(manager, async (manager) => {
        await manager.getRepository(ClientEntity).insert(client);
        await replaceOrigins(manager, client.clientId as string, client.redirectUris ?? []);
        // After the insert: had a delete of this id been in flight, the insert waited for it, and this read
        // (a new statement under READ COMMITTED) sees its tombstone.
        if (await manager.getRepository(DeletedClientIdEntity).existsBy({ clientId: client.clientId })) throw new ClientIdTombstoned();
        if (secretHash) await manager.getRepository(ClientSecretEntity).insert({ clientId: client.clientId, secretHash, expiresAt: null });
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error) || error instanceof ClientIdTombstoned) return false;
      throw error;
    }
  }

  async update(clientId: string, changes: Partial<ClientEntity>, manager?: EntityManager): Promise<ClientEntity | null> {
    return this.within(manager, async (manager) => {
      await manager.getRepository(ClientEntity).update({ clientId }, { ...changes, updatedAt: new Date() });
      if (changes.redirectUris !== undefined) await replaceOrigins(manager, clientId, changes.redirectUris);
      return this.findById(clientId, manager);
    });
  }

  async delete(clientId: string, manager?: EntityManager): Promise<boolean> {
    return this.within(manager, async (manager) => {
      await manager.getRepository(ClientSecretEntity).delete({ clientId });
      await manager.query(`DELETE FROM client_assertion_jtis WHERE client_id = $1`, [clientId]);
      const result = await manager.getRepository(ClientEntity).delete({ clientId });
      const deleted = (result.affected ?? 0) > 0;
      if (deleted) await manager.getRepository(DeletedClientIdEntity).insert({ clientId });
      return deleted;
    });
  }

  isTombstoned(clientId: string): Promise<boolean> {
    return this.dataSource.getRepository(DeletedClientIdEntity).existsBy({ clientId });
  }

  async activeSecretHashes(clientId: string, manager?: EntityManager): Promise<string[]> {
    const rows: Array<{ secret_hash: string }> = await (manager ?? this.dataSource).query(
      `SELECT secret_hash FROM client_secrets WHERE client_id = $1 AND (expires_at IS NULL OR expires_at > now())`,
      [clientId],
    );
    return rows.map((row) => row.secret_hash);
  }

  /** Ends the current secrets after `overlapSeconds` and adds a new current one. */
  async rotateSecret(clientId: string, secretHash: string, overlapSeconds: number, manager?: EntityManager): Promise<Date> {
    const previousExpireAt = new Date(Date.now() + overlapSeconds * 1000);
    await this.within(manager, async (manager) => {
      await manager.query(`SELECT 1 FROM clients WHERE client_id = $1 FOR UPDATE`, [clientId]);
      await manager.query(
        `UPDATE client_secrets SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE client_id = $1 AND (expires_at IS NULL OR expires_at > now())`,
        [clientId, previousExpireAt],
      );
      await manager.query(`DELETE FROM client_secrets WHERE client_id = $1 AND expires_at <= now()`, [clientId]);
      await manager.getRepository(ClientSecretEntity).insert({ clientId, secretHash, expiresAt: null });
    });
    return previousExpireAt;
  }

  /** Indexed on client_origins.origin; rows of deleted clients find no client and count for nothing. */
  async hasVerifiedClientWithOrigin(origin: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM client_origins o JOIN clients c ON c.client_id = o.client_id
        WHERE o.origin = $1 AND c.enabled AND c.verified LIMIT 1`,
      [origin],
    );
    return rows.length > 0;
  }

  private within<T>(manager: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return manager ? work(manager) : this.dataSource.transaction(work);
  }
}

async function replaceOrigins(manager: EntityManager, clientId: string, redirectUris: readonly string[]): Promise<void> {
  await manager.getRepository(ClientOriginEntity).delete({ clientId });
  const origins = originsOf(redirectUris);
  if (origins.length > 0) await manager.getRepository(ClientOriginEntity).insert(origins.map((origin) => ({ clientId, origin })));
}
