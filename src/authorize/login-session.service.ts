import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, MoreThan, Repository } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { LoginMethod, LoginSessionEntity } from './login-session.entity';

/** Where a sign-in came from, as far as the server can tell (both optional). */
export interface SessionClient {
  ip?: string | null;
  userAgent?: string | null;
}

/** The sessions listed on the account page, newest first. */
const MAX_LISTED_SESSIONS = 50;
const MAX_USER_AGENT_LENGTH = 300;

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
    private readonly clock: Clock,
  ) {
    this.sessions = dataSource.getRepository(LoginSessionEntity);
  }

  async start(userId: string, method: LoginMethod, amr: string[] = [], client: SessionClient = {}): Promise<StartedSession> {
    const token = randomToken();
    const session = await this.sessions.save(
      this.sessions.create({
        tokenHash: hashToken(token),
        userId,
        method,
        amr,
        expiresAt: new Date(this.clock.now() + this.config.loginSessionTtl * 1000),
        ip: printable(client.ip, 100),
        userAgent: printable(client.userAgent, MAX_USER_AGENT_LENGTH),
      }),
    );
    return { session, token };
  }

  async findActiveByToken(token: string | undefined | null): Promise<LoginSessionEntity | null> {
    if (!token) return null;
    const session = await this.sessions.findOneBy({ tokenHash: hashToken(token) });
    return session && isLive(session, this.clock.now()) ? session : null;
  }

  /**
   * For online_access refresh tokens (SMART App Launch 2.2 §Scopes for requesting a refresh token): usable only while
   * the user stays signed in.
   */
  async isActive(sessionId: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(sessionId ?? '')) return false;
    const session = await this.sessions.findOneBy({ id: sessionId });
    return !!session && isLive(session, this.clock.now());
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.update({ id: sessionId }, { endedAt: new Date() });
  }

  /** The user's live sessions, newest first (at most 50): browser sign-ins and the anchors of EHR launches. */
  listActiveForUser(userId: string): Promise<LoginSessionEntity[]> {
    return this.sessions.find({
      where: { userId, endedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
      take: MAX_LISTED_SESSIONS,
    });
  }

  /** Ends one of the user's sessions; false when it is not theirs or already over. */
  async endForUser(userId: string, sessionId: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(sessionId ?? '')) return false;
    const result = await this.sessions.update({ id: sessionId, userId, endedAt: IsNull() }, { endedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Ends every live session of the user but `exceptSessionId` (all when null), in one statement; online_access
   * refresh tokens anchored on them stop working at their next use (isActive). Returns how many ended.
   */
  async endAllForUser(userId: string, exceptSessionId: string | null = null): Promise<number> {
    const builder = this.sessions
      .createQueryBuilder()
      .update()
      .set({ endedAt: () => 'now()' })
      .where('user_id = :userId AND ended_at IS NULL AND expires_at > now()', { userId });
    if (exceptSessionId) builder.andWhere('id <> :exceptSessionId', { exceptSessionId });
    return (await builder.execute()).affected ?? 0;
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

// PostgreSQL text refuses NUL; a header may carry anything.
function printable(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' && value ? value.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, max) : null;
}

function isLive(session: LoginSessionEntity, now: number): boolean {
  return !session.endedAt && session.expiresAt.getTime() > now;
}
