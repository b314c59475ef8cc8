import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClientsService } from '../clients/clients.service';

/**
 * Whether an access token is still honoured: its jti not revoked, its grant (if any) not revoked and its client
 * not deleted. Read by the access-token verifier (src/access-tokens), which caches the answer for at most
 * TOKEN_STATE_CACHE_MS and reads it again at once after any revocation made in this process (`revision`).
 */
@Injectable()
export class RevocationService implements OnModuleInit {
  private revisions = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientsService,
  ) {}

  onModuleInit(): void {
    // RFC 7592 §2.3: deleting a client invalidates its grants and so every code, refresh token and access token
    // issued under them (those without a grant, client_credentials, fail the client check below).
    this.clients.onDeleted((clientId, manager) => this.revokeGrantsOfClient(clientId, manager));
  }

  /** Counts the revocations made by this process; a cached answer read at an older revision is stale. */
  get revision(): number {
    return this.revisions;
  }

  /**
   * The token's jti or grant was revoked, or, when `clientId` is given, its client was deleted
   * (ClientsService.isDeleted, cached per process for at most CLIENT_CACHE_MS). Uncached: one query.
   */
  async isRevoked(jti: string, grantId?: string | null, clientId?: string): Promise<boolean> {
    if (clientId !== undefined && (await this.clients.isDeleted(clientId))) return true;
    const rows: Array<{ revoked: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
           OR EXISTS (SELECT 1 FROM grants WHERE id = $2::uuid AND revoked_at IS NOT NULL) AS revoked`,
      [jti, grantId && isUuid(grantId) ? grantId : null],
    );
    return rows[0]?.revoked === true;
  }

  // The writes below take an optional EntityManager, to run in the caller's transaction with its audit event.
  async revokeAccessToken(jti: string, expiresAt: Date, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(
      `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`,
      [jti, expiresAt],
    );
    this.revisions += 1;
  }

  /** Revokes a grant: every code, refresh token and access token issued under it stops working. */
  async revokeGrant(grantId: string, manager?: EntityManager): Promise<void> {
    if (!isUuid(grantId)) return;
    await (manager ?? this.dataSource).query(
      `UPDATE grants SET revoked_at = now(), updated_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [grantId],
    );
    this.revisions += 1;
  }

  /** Revokes every grant of a (deleted) client. */
  async revokeGrantsOfClient(clientId: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(
      `UPDATE grants SET revoked_at = now(), updated_at = now() WHERE client_id = $1 AND revoked_at IS NULL`,
      [clientId],
    );
    this.revisions += 1;
  }

  /** Drops revocation rows for tokens that have expired anyway. */
  async purgeExpired(): Promise<number> {
    const result: [unknown, number] = await this.dataSource.query(`DELETE FROM revoked_access_tokens WHERE expires_at < now()`);
    return result[1] ?? 0;
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
