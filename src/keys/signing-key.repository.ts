import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SigningAlgorithm, SigningKeyEntity } from './signing-key.entity';

@Injectable()
export class SigningKeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` while holding a cluster-wide lock, so concurrent processes never both create keys. */
  withKeyLock<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('smart-auth:signing-keys'))`);
      return work(manager);
    });
  }

  findActiveAlgorithms(manager: EntityManager): Promise<SigningAlgorithm[]> {
    return manager
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('key')
      .select('key.alg', 'alg')
      .where('key.retired_at IS NULL')
      .getRawMany<{ alg: SigningAlgorithm }>()
      .then((rows) => rows.map((row) => row.alg));
  }

  async retireActive(manager: EntityManager, alg: SigningAlgorithm, publishUntil: Date): Promise<void> {
    await manager
      .getRepository(SigningKeyEntity)
      .createQueryBuilder()
      .update()
      .set({ retiredAt: () => 'now()', publishUntil })
      .where('alg = :alg AND retired_at IS NULL', { alg })
      .execute();
  }

  async insert(manager: EntityManager, key: Omit<SigningKeyEntity, 'createdAt'>): Promise<void> {
    await manager.getRepository(SigningKeyEntity).insert(key);
  }

  /** Active keys and retired keys still inside their publication window. */
  findPublished(): Promise<SigningKeyEntity[]> {
    return this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('key')
      .where('key.retired_at IS NULL OR key.publish_until > now()')
      .orderBy('key.created_at', 'DESC')
      .getMany();
  }
}
