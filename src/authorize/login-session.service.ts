import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { AppConfig } from '../config/app-config';
import { LoginMethod, LoginSessionEntity } from './login-session.entity';

export interface StartedSession {
  session: LoginSessionEntity;
  /** The cookie value; only its hash is stored. */
  token: string;
}

@Injectable()
export class LoginSessionService {
  private readonly sessions: Repository<LoginSessionEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.sessions = dataSource.getRepository(LoginSessionEntity);
  }

  async start(userId: string, method: LoginMethod, amr: string[] = []): Promise<StartedSession> {
    const token = randomToken();
    const session = await this.sessions.save(
      this.sessions.create({
        tokenHash: hashToken(token),
        userId,
        method,
        amr,
        expiresAt: new Date(Date.now() + this.config.loginSessionTtl * 1000),
      }),
    );
    return { session, token };
  }

  async findActiveByToken(token: string | undefined | null): Promise<LoginSessionEntity | null> {
    if (!token) return null;
    const session = await this.sessions.findOneBy({ tokenHash: hashToken(token) });
    return session && isLive(session) ? session : null;
  }

  /** For online_access refresh tokens (SMART I9): usable only while the user stays signed in. */
  async isActive(sessionId: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(sessionId ?? '')) return false;
    const session = await this.sessions.findOneBy({ id: sessionId });
    return !!session && isLive(session);
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.update({ id: sessionId }, { endedAt: new Date() });
  }

  /** Ends several sessions at once (e.g. every session an identity provider began, when it is disabled). */
  async endMany(sessionIds: string[]): Promise<void> {
    for (let start = 0; start < sessionIds.length; start += 1000) {
      await this.sessions.update({ id: In(sessionIds.slice(start, start + 1000)), endedAt: IsNull() }, { endedAt: new Date() });
    }
  }

  async purgeEnded(olderThanSeconds = 86_400): Promise<void> {
    await this.sessions
      .createQueryBuilder()
      .delete()
      .where('coalesce(ended_at, expires_at) < now() - make_interval(secs => :seconds)', { seconds: olderThanSeconds })
      .execute();
  }
}

function isLive(session: LoginSessionEntity): boolean {
  return !session.endedAt && session.expiresAt.getTime() > Date.now();
}
