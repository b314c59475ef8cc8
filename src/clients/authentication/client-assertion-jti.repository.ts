import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MicroBatcher } from '../../common/batching/micro-batcher';
import { AppConfig } from '../../config/app-config';
import { queryPrepared } from '../../database/prepared-query';

const PURGE_INTERVAL_MS = 60_000;
const RECORD = (source: string) => `INSERT INTO client_assertion_jtis (client_id, jti, expires_at)
  ${source}
  ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE client_assertion_jtis.expires_at < now()
  RETURNING client_id, jti`;
const UNNEST = `SELECT u.* FROM unnest($1::text[], $2::text[], $3::timestamptz[]) u`;
export const JTI_STATEMENTS = {
  sync: { name: 'client-assertion-jtis-record', text: RECORD(UNNEST) },
  // set_config(…, true) is local to this statement's own transaction. With synchronous_commit off the commit
  // does not wait for the WAL flush; the row is visible to every process at once, and only a PostgreSQL crash
  // within ~0.6 s (3 × wal_writer_delay) could forget it (PostgreSQL docs, "Asynchronous Commit").
  async: {
    name: 'client-assertion-jtis-record-async',
    text: RECORD(`${UNNEST} CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) s`),
  },
};

interface JtiUse {
  clientId: string;
  jti: string;
  expiresAt: Date;
}

@Injectable()
export class ClientAssertionJtiRepository {
  private lastPurge = 0;
  private readonly statement: { name: string; text: string };
  // Every client_credentials request writes one row and waits for its commit; concurrent requests share
  // one INSERT and one commit (bench/README.md, "The durable jti insert").
  private readonly batcher = new MicroBatcher<JtiUse, boolean>((uses) => this.recordMany(uses));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.statement = JTI_STATEMENTS[config.jtiCommit];
  }

  /**
   * Records the jti unless an unexpired row for it exists; true when it was not seen before. The check and
   * the write are one statement, so two processes racing with the same assertion cannot both succeed. A row
   * whose assertion has expired may be reused. `jti` must be printable text (PostgreSQL text refuses NUL).
   */
  recordOnce(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    this.purgeOccasionally();
    return this.batcher.add({ clientId, jti, expiresAt });
  }

  private async recordMany(uses: JtiUse[]): Promise<boolean[]> {
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement: a repeat within the batch is a replay.
    const first = new Map<string, number>();
    uses.forEach((use, index) => {
      if (!first.has(keyOf(use))) first.set(keyOf(use), index);
    });
    const unique = [...first.values()].map((index) => uses[index]);
    const rows = await queryPrepared<{ client_id: string; jti: string }>(this.dataSource, this.statement.name, this.statement.text, [
      unique.map((use) => use.clientId),
      unique.map((use) => use.jti),
      unique.map((use) => use.expiresAt),
    ]);
    const recorded = new Set(rows.map((row) => keyOf({ clientId: row.client_id, jti: row.jti })));
    return uses.map((use, index) => first.get(keyOf(use)) === index && recorded.has(keyOf(use)));
  }

  private purgeOccasionally(): void {
    if (Date.now() - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = Date.now();
    void this.dataSource.query(`DELETE FROM client_assertion_jtis WHERE expires_at < now()`).catch(() => undefined);
  }
}

function keyOf(use: Pick<JtiUse, 'clientId' | 'jti'>): string {
  return JSON.stringify([use.clientId, use.jti]);
}
