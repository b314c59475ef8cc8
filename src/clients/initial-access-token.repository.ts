import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InitialAccessTokenEntity } from './initial-access-token.entity';

@Injectable()
export class InitialAccessTokenRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    token: Pick<InitialAccessTokenEntity, 'tokenHash' | 'description' | 'singleUse' | 'expiresAt' | 'scope'>,
  ): Promise<InitialAccessTokenEntity> {
    const repository = this.dataSource.getRepository(InitialAccessTokenEntity);
    const result = await repository.insert(token);
    return repository.findOneByOrFail({ id: result.identifiers[0].id as string });
  }

  /** The usable token's scope ceiling (null: none), or undefined when the token cannot be used. */
  async findUsable(tokenHash: string): Promise<{ scope: string | null } | undefined> {
    const rows: Array<{ scope: string | null }> = await this.dataSource.query(
      `SELECT scope FROM initial_access_tokens WHERE token_hash = $1 AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [tokenHash],
    );
    return rows[0];
  }

  /** Uses the token once: a single-use token is consumed atomically, so two registrations cannot share it. */
  async redeem(tokenHash: string, manager?: EntityManager): Promise<boolean> {
    // TypeORM returns [rows, rowCount] for UPDATE statements.
    const [rows]: [unknown[], number] = await (manager ?? this.dataSource).query(
      `UPDATE initial_access_tokens
          SET consumed_at = CASE WHEN single_use THEN now() ELSE consumed_at END
        WHERE token_hash = $1 AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        RETURNING id`,
      [tokenHash],
    );
    return rows.length > 0;
  }
}
