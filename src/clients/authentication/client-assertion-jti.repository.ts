import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const PURGE_INTERVAL_MS = 60_000;

@Injectable()
export class ClientAssertionJtiRepository {
  private lastPurge = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records the jti unless an unexpired row for it exists. One statement, so two processes racing with the
   * same assertion cannot both succeed. A row whose assertion has expired may be reused.
   */
  async recordOnce(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE client_assertion_jtis.expires_at < now()
       RETURNING jti`,
      [clientId, jti, expiresAt],
    );
    this.purgeOccasionally();
    return rows.length === 1;
  }

  private purgeOccasionally(): void {
    if (Date.now() - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = Date.now();
    void this.dataSource.query(`DELETE FROM client_assertion_jtis WHERE expires_at < now()`).catch(() => undefined);
  }
}
