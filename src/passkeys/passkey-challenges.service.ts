import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { hashToken } from '../common/crypto/random-token';
import { PasskeyChallengePurpose } from './passkey-challenge.entity';
import { ServiceUnavailableError } from '../common/oauth/service-unavailable.error';

/** How long the browser may take: the options' `timeout` (WebAuthn §5.4.6), in milliseconds. */
export const CEREMONY_TIMEOUT_MS = 120_000;
/** A challenge outlives the ceremony timeout a little (clock skew, a slow network), then it is gone. */
const CHALLENGE_TTL_SECONDS = 180;
const PURGE_INTERVAL_MS = 5 * 60 * 1000;

export interface ChallengeScope {
  purpose: PasskeyChallengePurpose;
  /** Hash naming the browser or sign-in session that asked; only it can redeem the challenge. */
  binding: string;
  /** The person the ceremony is for; null for a passwordless sign-in, where the credential names them. */
  userId: string | null;
}

/** Live challenges across every person and browser; sign-in options beyond it are refused until some expire. */
export const MAX_LIVE_CHALLENGES = 10_000;

/**
 * Server-side WebAuthn challenges (§13.4.3), in PostgreSQL so any process can finish a ceremony another began.
 * Only a hash is stored. Redeeming is one atomic DELETE … RETURNING that also matches purpose, binding and
 * person, so a challenge is used at most once and a response presented by anyone else does not burn it.
 */
@Injectable()
export class PasskeyChallengesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PasskeyChallenges');
  private timer: NodeJS.Timeout | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a challenge unless MAX_LIVE_CHALLENGES are already live: anyone may ask for sign-in options, so the
   * table is bounded by count as well as by age (a flood gets 503 and Retry-After, not an ever-growing table).
   */
  async store(challenge: string, scope: ChallengeScope): Promise<void> {
    // TypeORM answers an INSERT … RETURNING with the rows alone.
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO passkey_challenges (challenge_hash, purpose, user_id, binding, expires_at)
       SELECT $1, $2, $3::uuid, $4, now() + make_interval(secs => $5)
        WHERE (SELECT count(*) FROM (SELECT 1 FROM passkey_challenges WHERE expires_at > now() LIMIT $6::int) AS live) < $6::int
       RETURNING id`,
      [hashToken(challenge), scope.purpose, scope.userId, scope.binding, CHALLENGE_TTL_SECONDS, MAX_LIVE_CHALLENGES],
    );
    if (rows.length === 0) throw new ServiceUnavailableError('Too many passkey ceremonies are in progress');
  }

  /** True once for a live challenge issued for exactly this scope; false for anything else. */
  async redeem(challenge: string, scope: ChallengeScope): Promise<boolean> {
    if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 512) return false;
    // TypeORM answers a DELETE … RETURNING with [rows, rowCount].
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM passkey_challenges
        WHERE challenge_hash = $1 AND purpose = $2 AND binding = $3 AND user_id IS NOT DISTINCT FROM $4::uuid AND expires_at > now()
        RETURNING id`,
      [hashToken(challenge), scope.purpose, scope.binding, scope.userId],
    );
    return rows.length === 1;
  }

  async purgeExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM passkey_challenges WHERE expires_at <= now()`);
  }

  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.purgeExpired().catch((error: Error) => this.logger.warn(`Purge failed: ${error.message}`)),
      PURGE_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
