import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
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
  ) {
    this.codes = dataSource.getRepository(AuthorizationCodeEntity);
  }

  /** Returns the raw code; only its hash is stored. */
  async issue(input: IssueAuthorizationCode): Promise<string> {
    const code = randomToken();
    await this.codes.save(
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
      expiresAt: new Date(Date.now() + this.config.authorizationCodeTtl * 1000),
      }),
    );
    return code;
  }

  /**
   * RFC 6749 §4.1.2: single use. One atomic UPDATE wins; a second redemption sees `reused` so the caller can
   * revoke what the first one issued (RFC 6749 §10.5).
   */
  async consume(code: string): Promise<ConsumeResult> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 512) return { status: 'invalid' };
    const codeHash = hashToken(code);
    const result = await this.codes
      .createQueryBuilder()
      .update(AuthorizationCodeEntity)
      .set({ consumedAt: () => 'now()' })
      .where('code_hash = :codeHash AND consumed_at IS NULL AND expires_at > now()', { codeHash })
      .returning('*')
      .execute();
    const rows = result.raw as Array<Record<string, unknown>>;
    if (rows.length === 1) {
      const consumed = await this.codes.findOneBy({ id: rows[0].id as string });
      if (consumed) return { status: 'ok', code: consumed };
    }
    const existing = await this.codes.findOneBy({ codeHash });
    if (existing?.consumedAt) return { status: 'reused', code: existing };
    return { status: 'invalid' };
  }

  async purgeExpired(olderThanSeconds = 86_400): Promise<void> {
    await this.dataSource.query(`DELETE FROM authorization_codes WHERE expires_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }
}
