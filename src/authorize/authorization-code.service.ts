import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { AuthorizationCodeEntity } from './authorization-code.entity';
import { LaunchContext } from './launch-context.model';

export interface IssueAuthorizationCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  launchContext: LaunchContext;
  aud: string;
  userId: string | null;
  loginSessionId: string | null;
  grantId: string;
  nonce?: string | null;
  authTime?: Date | null;
  amr?: string[] | null;
}

export type ConsumeResult =
  | { status: 'ok'; code: AuthorizationCodeEntity }
  | { status: 'reused'; code: AuthorizationCodeEntity }
  | { status: 'invalid' };

@Injectable()
export class AuthorizationCodeService {
  private readonly codes: Repository<AuthorizationCodeEntity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.codes = dataSource.getRepository(AuthorizationCodeEntity);
  }

  /** Returns the raw code; only its hash is stored. With `manager`, stored in that transaction. */
  async issue(input: IssueAuthorizationCode, manager?: EntityManager): Promise<string> {
    const code = randomToken();
    await (manager?.getRepository(AuthorizationCodeEntity) ?? this.codes).save(
      this.codes.create({
        codeHash: hashToken(code),
        clientId: input.clientId,
        redirectUri: input.redirectUri,
        codeChallenge: input.codeChallenge,
        scope: input.scope,
        launchContext: input.launchContext,
        aud: input.aud,
        userId: input.userId,
        loginSessionId: input.loginSessionId,
        grantId: input.grantId,
        nonce: input.nonce ?? null,
        authTime: input.authTime ?? null,
        amr: input.amr?.length ? input.amr : null,
        expiresAt: new Date(this.clock.now() + this.config.authorizationCodeTtl * 1000),
      }),
    );
    return code;
  }

  /** The stored code a presented value names, whatever its state; nothing is changed. */
  async find(code: string): Promise<AuthorizationCodeEntity | null> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 512) return null;
    return this.codes.findOneBy({ codeHash: hashToken(code) });
  }

  /**
   * RFC 6749 §4.1.2: single use. The caller has already checked the presenter (client, redirect_uri, PKCE)
   * against `code` as read by find(); one atomic UPDATE, conditioned on that same row and binding, wins. A
   * presenter that fails those checks never reaches here, so a stolen or mistaken code is not burnt for its
   * owner; only a second redemption that passes them sees `reused`, and the caller revokes what the first one
   * issued (RFC 6749 §10.5). With `manager` it runs in that transaction (the token endpoint's, which also holds
   * the refresh token and the audit event), so a rolled-back issuance leaves the code unredeemed.
   */
  async redeem(code: AuthorizationCodeEntity, manager?: EntityManager): Promise<ConsumeResult> {
    // The grant must still stand at the moment of redemption: checking it in the same statement keeps a
    // concurrent second redemption (which revokes the grant) from also failing the winner.
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const db = manager ?? this.dataSource;
    const [rows]: [Array<Record<string, unknown>>, number] = await db.query(
      `UPDATE authorization_codes AS code SET consumed_at = now()
        WHERE code.id = $1 AND code.code_hash = $2 AND code.client_id = $3 AND code.redirect_uri = $4
          AND code.code_challenge = $5 AND code.consumed_at IS NULL AND code.expires_at > $6
          AND NOT EXISTS (SELECT 1 FROM grants WHERE grants.id = code.grant_id AND grants.revoked_at IS NOT NULL)
        RETURNING code.*`,
      [code.id, code.codeHash, code.clientId, code.redirectUri, code.codeChallenge, new Date(this.clock.now())],
    );
    if (rows.length === 1) return { status: 'ok', code: this.fromRow(rows[0]) };
    const existing = await db.getRepository(AuthorizationCodeEntity).findOneBy({ id: code.id });
    if (existing?.consumedAt) return { status: 'reused', code: existing };
    return { status: 'invalid' };
  }

  /**
   * find() and redeem() with no presenter to check: for callers that hold the code themselves (tests, tools).
   * The token endpoint checks the presenter between the two and must not use this.
   */
  async consume(code: string): Promise<ConsumeResult> {
    const found = await this.find(code);
    return found ? this.redeem(found) : { status: 'invalid' };
  }

  private fromRow(row: Record<string, unknown>): AuthorizationCodeEntity {
    return this.codes.create({
      id: row.id as string,
      codeHash: row.code_hash as string,
      clientId: row.client_id as string,
      redirectUri: row.redirect_uri as string,
      codeChallenge: row.code_challenge as string,
      scope: row.scope as string,
      launchContext: row.launch_context as LaunchContext,
      aud: row.aud as string,
      userId: row.user_id as string | null,
      loginSessionId: row.login_session_id as string | null,
      grantId: row.grant_id as string,
      nonce: row.nonce as string | null,
      authTime: (row.auth_time as Date | null) ?? null,
      amr: (row.amr as string[] | null) ?? null,
      expiresAt: row.expires_at as Date,
      consumedAt: row.consumed_at as Date | null,
      createdAt: row.created_at as Date,
    });
  }

  async purgeExpired(olderThanSeconds = 86_400): Promise<void> {
    await this.dataSource.query(`DELETE FROM authorization_codes WHERE expires_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }
}
