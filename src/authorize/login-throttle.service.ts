import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { accountDelayMs, THROTTLE_LIMITS } from './login-throttle.policy';

export type ThrottleDecision = { kind: 'allow'; delayMs: number } | { kind: 'refuse' };

/** Sign-ins sleeping through an account delay at once; more are answered "busy" rather than held. */
const MAX_DELAYED_SIGN_INS = 200;

/**
 * Failed sign-ins, counted in PostgreSQL so every server process enforces the same limits (OWASP ASVS 4 V2.2.1,
 * NIST SP 800-63B §5.2.2):
 * - per account **and** address: a few failures and that pair waits out the window, so a sprayer from one address
 *   cannot lock the real person out from theirs;
 * - per account, from any address: past a much higher count every attempt (right or wrong) is slowed by a
 *   growing delay, never refused, so a distributed spray cannot lock the person out either;
 * - per address, over all accounts: a hard limit.
 *
 * The username typed is never stored: accounts are keyed by an HMAC of the normalised username (a password
 * typed into the username field must not end up in the database or a log).
 */
@Injectable()
export class LoginThrottleService {
  private readonly accountKeySecret: Buffer;
  private delayed = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    // KEY_ENCRYPTION_SECRET is required in production (and generated for the embedded development server), so
    // every process derives the same key; without one (tests, development on DATABASE_URL) the key is per process.
    const secret = config.keyEncryptionSecret ?? config.cookieSecret;
    this.accountKeySecret = secret ? Buffer.from(hkdfSync('sha256', secret, 'smart-auth', 'login-throttle-account', 32)) : randomBytes(32);
  }

  async decide(username: string, ip: string): Promise<ThrottleDecision> {
    const account = this.accountKey(username);
    const rows: Array<{ account: number; pair: number; address: number }> = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE throttle_key = $1)::int AS account, count(*) FILTER (WHERE throttle_key = $2)::int AS pair,
              count(*) FILTER (WHERE throttle_key = $3)::int AS address
         FROM login_failures WHERE throttle_key IN ($1, $2, $3) AND created_at > now() - make_interval(secs => $4)`,
      [account, pairKey(account, ip), ipKey(ip), THROTTLE_LIMITS.windowSeconds],
    );
    const counts = rows[0] ?? { account: 0, pair: 0, address: 0 };
    if (counts.pair >= THROTTLE_LIMITS.perAccountAndAddress || counts.address >= THROTTLE_LIMITS.perAddress) return { kind: 'refuse' };
    return { kind: 'allow', delayMs: accountDelayMs(counts.account) };
  }

  /** Waits out an account delay; false (without waiting) when too many sign-ins are already waiting. */
  async wait(delayMs: number): Promise<boolean> {
    if (delayMs <= 0) return true;
    if (this.delayed >= MAX_DELAYED_SIGN_INS) return false;
    this.delayed += 1;
    try {
      await sleep(delayMs);
      return true;
    } finally {
      this.delayed -= 1;
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const account = this.accountKey(username);
    await this.dataSource.query(`INSERT INTO login_failures (throttle_key) VALUES ($1), ($2), ($3)`, [
      account,
      pairKey(account, ip),
      ipKey(ip),
    ]);
  }

  /** After a successful sign-in: the person proved the password, so the account's and this pair's counts restart. */
  async clearAccount(username: string, ip: string): Promise<void> {
    const account = this.accountKey(username);
    await this.dataSource.query(`DELETE FROM login_failures WHERE throttle_key IN ($1, $2)`, [account, pairKey(account, ip)]);
  }

  async purgeOld(): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE created_at < now() - make_interval(secs => $1)`, [
      THROTTLE_LIMITS.windowSeconds,
    ]);
  }

  private accountKey(username: string): string {
    return `account:${createHmac('sha256', this.accountKeySecret).update(username.trim().toLowerCase()).digest('base64url')}`;
  }
}

function pairKey(account: string, ip: string): string {
  return `pair:${account.slice('account:'.length)}:${ip}`;
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
