import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/time/clock';

// Every server process sees a revocation within this many milliseconds (ONC (g)(10) test 9.3 asks for under an hour).
export const REVOCATION_CACHE_MS = 2000;

interface CacheEntry {
  revoked: boolean;
  at: number;
}

/**
 * Whether an access token is still honoured: its jti not revoked and its grant (if any) not revoked.
 * Shared by introspection and the FHIR guard; answers are cached for at most REVOCATION_CACHE_MS.
 */
@Injectable()
export class RevocationService implements OnModuleInit {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clients: ClientsService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // RFC 7592 §2.3: deleting a client invalidates its grants and so every code, refresh token and access token
    // issued under them (those without a grant, client_credentials, fail the client check below).
    this.clients.onDeleted((clientId, manager) => this.revokeGrantsOfClient(clientId, manager));
  }

  /**
   * The one check at token use (introspection, the FHIR guard): the token's jti or grant was revoked, or, when
   * `clientId` is given, its client was deleted (ClientsService.isDeleted, cached per process for at most
   * CLIENT_CACHE_MS). A check for disabled clients or users belongs here too.
   */
  async isRevoked(jti: string, grantId?: string | null, clientId?: string): Promise<boolean> {
    if (clientId !== undefined && (await this.clients.isDeleted(clientId))) return true;
    return this.isTokenOrGrantRevoked(jti, grantId);
  }

  private async isTokenOrGrantRevoked(jti: string, grantId?: string | null): Promise<boolean> {
    const key = `${jti}|${grantId ?? ''}`;
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < REVOCATION_CACHE_MS) return cached.revoked;
    const rows: Array<{ revoked: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
           OR EXISTS (SELECT 1 FROM grants WHERE id = $2::uuid AND revoked_at IS NOT NULL) AS revoked`,
      [jti, grantId && isUuid(grantId) ? grantId : null],
    );
    const revoked = rows[0]?.revoked === true;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, { revoked, at: now });
    return revoked;
  }

  // The writes below take an optional EntityManager, to run in the caller's transaction with its audit event.
  async revokeAccessToken(jti: string, expiresAt: Date, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(
      `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`,
      [jti, expiresAt],
    );
    this.cache.delete(`${jti}|`);
    for (const key of this.cache.keys()) if (key.startsWith(`${jti}|`)) this.cache.delete(key);
  }

  /** Revokes a grant: every code, refresh token and access token issued under it stops working. */
  async revokeGrant(grantId: string, manager?: EntityManager): Promise<void> {
    if (!isUuid(grantId)) return;
    await (manager ?? this.dataSource).query(`UPDATE grants SET revoked_at = now(), updated_at = now() WHERE id = $1 AND revoked_at IS NULL`, [grantId]);
    for (const key of this.cache.keys()) if (key.endsWith(`|${grantId}`)) this.cache.delete(key);
  }

  /** Revokes every grant of a (deleted) client. */
  async revokeGrantsOfClient(clientId: string, manager?: EntityManager): Promise<void> {
    const rows: Array<{ id: string }> = await (manager ?? this.dataSource).query(
      `UPDATE grants SET revoked_at = now(), updated_at = now() WHERE client_id = $1 AND revoked_at IS NULL RETURNING id`,
      [clientId],
    );
    const revoked = new Set(rows.map((row) => row.id));
    for (const key of this.cache.keys()) if (revoked.has(key.slice(key.indexOf('|') + 1))) this.cache.delete(key);
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
