import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { StatementEvent } from '../audit/audit.service';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { Clock } from '../common/time/clock';
import { LaunchContext } from './launch-context';

export interface NewRefreshToken {
  clientId: string;
  grantId: string | null;
  userId: string | null;
  scope: string;
  launchContext: LaunchContext;
  loginSessionId: string | null;
  online: boolean;
  lifetimeSeconds: number;
  /** The audience granted (RFC 8707); refreshed access tokens keep it. */
  aud: string;
  /** RFC 9449 §5: a public client's refresh token is bound to its DPoP key thumbprint. */
  dpopJkt?: string | null;
}

/** A stored refresh token as the refresh grant and introspection see it. */
export interface StoredRefreshToken {
  id: string;
  clientId: string;
  grantId: string | null;
  userId: string | null;
  scope: string;
  launchContext: LaunchContext;
  loginSessionId: string | null;
  online: boolean;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  grantRevoked: boolean;
  /** Null for tokens issued before resource servers existed: this server's FHIR base. */
  aud: string | null;
  /** RFC 9449 §5: refreshing needs a DPoP proof with this key thumbprint; null = not bound. */
  dpopJkt: string | null;
}

/** The outcome of `rotateIfRotatable`: the stored row as it was, and the successor's value if it rotated. */
export interface RotationAttempt {
  stored: StoredRefreshToken;
  value: string | null;
}

interface Row {
  id: string;
  client_id: string;
  grant_id: string | null;
  user_id: string | null;
  scope: string;
  launch_context: LaunchContext | null;
  login_session_id: string | null;
  online: boolean;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  grant_revoked: boolean;
  aud: string | null;
  dpop_jkt: string | null;
}

const COLUMNS = `r.id, r.client_id, r.grant_id, r.user_id, r.scope, r.launch_context, r.login_session_id, r.online,
  r.expires_at, r.rotated_at, r.revoked_at, r.created_at, (g.revoked_at IS NOT NULL) AS grant_revoked, r.aud, r.dpop_jkt`;

@Injectable()
export class RefreshTokenRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  // Each write takes an optional EntityManager: the grant runs it in the transaction that also records its audit event.

  /** Stores a new token and returns its value (only the hash is kept). */
  async create(token: NewRefreshToken, manager?: EntityManager): Promise<string> {
    const value = randomToken();
    await (manager ?? this.dataSource).query(
      `INSERT INTO refresh_tokens (id, token_hash, client_id, grant_id, user_id, scope, launch_context, login_session_id, online, expires_at, aud, dpop_jkt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10), $11, $12)`,
      [
        randomUUID(),
        hashToken(value),
        token.clientId,
        token.grantId,
        token.userId,
        token.scope,
        JSON.stringify(token.launchContext ?? {}),
        token.loginSessionId,
        token.online,
        token.lifetimeSeconds,
        token.aud,
        token.dpopJkt ?? null,
      ],
    );
    return value;
  }

  async findByValue(value: string): Promise<StoredRefreshToken | null> {
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) return null;
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM refresh_tokens r LEFT JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = $1`,
      [hashToken(value)],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  /**
   * Rotates by value in one statement, but only when the refresh grant's checks are known to pass without
   * JavaScript: this client, neither token nor grant revoked, not rotated, unexpired by both clocks, not
   * online_access (its login-session check stays in LoginSessionService), and, when `scope` is given, a
   * stored scope equal to it, and granted for `ownAudience` (a registered resource server's scope ceiling is
   * applied in JavaScript). The rotation's audit event (`event`, over the CTE `old`) is written by the same
   * statement, so rotation and event commit together in one round trip. Returns the row as the statement saw it
   * (before any rotation) with the new value, or with null when nothing rotated; null when no token has this value.
   */
  async rotateIfRotatable(
    value: string,
    options: {
      clientId: string;
      scope: string | null;
      lifetimeSeconds: number;
      dpopJkt?: string | null;
      ownAudience: string;
      event: StatementEvent;
    },
  ): Promise<RotationAttempt | null> {
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) return null;
    const successor = randomToken();
    const rows: Array<Row & { rotated: boolean }> = await this.dataSource.query(
      `WITH cur AS (
         SELECT ${COLUMNS} FROM refresh_tokens r LEFT JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = $1
       ), old AS (
         UPDATE refresh_tokens r SET rotated_at = now(), replaced_by = $3
         WHERE r.token_hash = $1 AND r.client_id = $2 AND r.rotated_at IS NULL AND r.revoked_at IS NULL
           AND r.expires_at > now() AND r.expires_at > $6 AND NOT r.online AND ($7::text IS NULL OR r.scope = $7::text)
           AND (r.dpop_jkt IS NULL OR r.dpop_jkt = $8::text) AND (r.aud IS NULL OR r.aud = $9::text)
           AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = r.grant_id AND g.revoked_at IS NOT NULL)
         RETURNING r.client_id, r.grant_id, r.user_id, r.scope, r.launch_context, r.login_session_id, r.online, r.aud, r.dpop_jkt
       ), fresh AS (
         INSERT INTO refresh_tokens (id, token_hash, client_id, grant_id, user_id, scope, launch_context, login_session_id, online, expires_at, aud, dpop_jkt)
         SELECT $3, $4, client_id, grant_id, user_id, scope, launch_context, login_session_id, online, now() + make_interval(secs => $5), aud, dpop_jkt FROM old
         RETURNING id
       ), audit AS (
         ${options.event.sql}
       )
       SELECT cur.*, EXISTS (SELECT 1 FROM fresh) AS rotated FROM cur`,
      [
        hashToken(value),
        options.clientId,
        randomUUID(),
        hashToken(successor),
        options.lifetimeSeconds,
        new Date(this.clock.now()),
        options.scope,
        options.dpopJkt ?? null,
        options.ownAudience,
        ...options.event.values,
      ],
    );
    if (!rows[0]) return null;
    return { stored: toStored(rows[0]), value: rows[0].rotated === true ? successor : null };
  }

  /**
   * Rotation in one statement: the old token is marked rotated only if nobody rotated it first, and its
   * successor (same grant, scope and context; a fresh lifetime) is inserted in the same statement.
   * Returns the new value, or null when the token was rotated or revoked concurrently.
   */
  async rotate(id: string, lifetimeSeconds: number, manager?: EntityManager): Promise<string | null> {
    const value = randomToken();
    const newId = randomUUID();
    const rows: Array<{ id: string }> = await (manager ?? this.dataSource).query(
      `WITH old AS (
         UPDATE refresh_tokens SET rotated_at = now(), replaced_by = $2
         WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         RETURNING client_id, grant_id, user_id, scope, launch_context, login_session_id, online, aud, dpop_jkt
       )
       INSERT INTO refresh_tokens (id, token_hash, client_id, grant_id, user_id, scope, launch_context, login_session_id, online, expires_at, aud, dpop_jkt)
       SELECT $2, $3, client_id, grant_id, user_id, scope, launch_context, login_session_id, online, now() + make_interval(secs => $4), aud, dpop_jkt FROM old
       RETURNING id`,
      [id, newId, hashToken(value), lifetimeSeconds],
    );
    return rows.length === 1 ? value : null;
  }

  async revoke(id: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(`UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  }

  /** Drops tokens that expired (or were rotated or revoked) more than `olderThanSeconds` ago. */
  async purgeStale(olderThanSeconds = 86_400): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM refresh_tokens WHERE expires_at < now() - make_interval(secs => $1)
          OR rotated_at < now() - make_interval(secs => $1) OR revoked_at < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
  }

  async revokeByGrant(grantId: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(`UPDATE refresh_tokens SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL`, [
      grantId,
    ]);
  }
}

function toStored(row: Row): StoredRefreshToken {
  return {
    id: row.id,
    clientId: row.client_id,
    grantId: row.grant_id,
    userId: row.user_id,
    scope: row.scope,
    launchContext: row.launch_context ?? {},
    loginSessionId: row.login_session_id,
    online: row.online,
    expiresAt: new Date(row.expires_at),
    rotatedAt: row.rotated_at ? new Date(row.rotated_at) : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
    createdAt: new Date(row.created_at),
    grantRevoked: row.grant_revoked === true,
    aud: row.aud ?? null,
    dpopJkt: row.dpop_jkt ?? null,
  };
}
