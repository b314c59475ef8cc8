import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { LoginSessionService } from '../authorize/login-session.service';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import { addressKey } from '../clients/registration/address-key';
import { UserEntity } from '../clients/user.entity';
import { hasLocalPassword, UsersService } from '../clients/users.service';
import { BoundedQueue, QueueBusyError } from '../common/concurrency/bounded-queue';
import { constantTimeEquals, hashToken, randomToken } from '../common/crypto/random-token';
import { Mailer } from '../common/mail/mailer';
import { AppConfig } from '../config/app-config';
import { noLocalPasswordMail, resetMail } from './password-reset.mail';

/** Limits of password reset (docs/authorize.md, "Password reset by e-mail"). */
export const RESET_LIMITS = {
  /** A link is good for this long (and once). */
  linkLifetimeSeconds: 30 * 60,
  windowSeconds: 15 * 60,
  /** Requests from one address (IPv6: one /64) per window, whatever they name; then 429. */
  perAddress: 10,
  /** Links mailed for one account per window; further requests are answered alike and send nothing. */
  perAccount: 3,
} as const;

export type ResetOutcome = { kind: 'done'; returnTo: string | null } | { kind: 'invalid' } | { kind: 'weak'; message: string };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const SHUTDOWN_WAIT_MS = 5000;

/**
 * Password reset by e-mail (NIST SP 800-63B §6.1.2.3, OWASP ASVS 4 V2.5). The answer to a request never depends
 * on the account: the handler only counts the address and hands the request to a bounded background list, where
 * the account is looked up and the mail sent, so neither the page nor its timing tells whether it exists.
 */
@Injectable()
export class PasswordResetService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('PasswordReset');
  // Deliveries run one or two at a time; a flood beyond 100 waiting is dropped (the page already answered).
  private readonly deliveries = new BoundedQueue({ concurrency: 2, maxWaiting: 100, maxWaitMs: 60_000 });
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: LoginSessionService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
  ) {}

  get enabled(): boolean {
    return this.mailer.configured;
  }

  /** Counts a request from `ip`; false when that address has made too many in the window (nothing is counted then). */
  async admit(ip: string): Promise<boolean> {
    const key = `ip:${addressKey(ip)}`;
    const rows: Array<{ admitted: boolean }> = await this.dataSource.query(
      `WITH recent AS (SELECT count(*)::int AS n FROM password_reset_requests WHERE throttle_key = $1 AND created_at > now() - make_interval(secs => $2))
       INSERT INTO password_reset_requests (throttle_key) SELECT $1 FROM recent WHERE recent.n < $3 RETURNING true AS admitted`,
      [key, RESET_LIMITS.windowSeconds, RESET_LIMITS.perAddress],
    );
    return rows.length > 0;
  }

  /**
   * Queues a request naming a username or an e-mail address; returns at once, whatever it names. `returnTo` is
   * where the requesting browser (`browser`, its binding) goes after the reset; another browser opening the link
   * is not sent there, so nobody can steer someone else's reset into a flow of their choosing.
   */
  request(identifier: string, ip: string, returnTo: string | null, browser: string): void {
    const delivery = this.deliveries
      .run(() => this.deliver(identifier, ip, returnTo, browser))
      .catch((error: unknown) => {
        if (error instanceof QueueBusyError)
          this.logger.warn('Password reset requests are arriving faster than mail can be sent; one was dropped');
        else this.logger.error(`Password reset delivery failed: ${(error as Error).message}`);
      });
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** The user a link belongs to while it is unused and unexpired (nothing is consumed). */
  async userForToken(token: unknown): Promise<UserEntity | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
    const rows: Array<{ user_id: string }> = await this.dataSource.query(
      `SELECT user_id FROM password_reset_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
      [hashToken(token)],
    );
    const user = rows[0] ? await this.users.findById(rows[0].user_id) : null;
    // A link never gives a password to someone who signs in through an identity provider (even one issued
    // before the account became federated).
    return user?.enabled && hasLocalPassword(user) ? user : null;
  }

  /**
   * Sets the new password through the link. A password the policy refuses does not use the link up; an accepted
   * one redeems it in one atomic statement, then ends every sign-in session of the person and every other link.
   */
  async complete(token: unknown, password: string, ip: string, browser: string): Promise<ResetOutcome> {
    const user = await this.userForToken(token);
    if (!user) return { kind: 'invalid' };
    const problem = this.users.passwordProblem(password, user);
    if (problem) return { kind: 'weak', message: problem };
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const [redeemed]: [Array<{ user_id: string; return_to: string | null; return_browser: string | null }>, number] =
      await this.dataSource.query(
        `UPDATE password_reset_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, return_to, return_browser`,
        [hashToken(token as string)],
      );
    if (redeemed.length === 0 || redeemed[0].user_id !== user.id) return { kind: 'invalid' };
    await this.users.resetPassword(user.id, password);
    await this.dataSource.query(`UPDATE password_reset_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
    const ended = await this.sessions.endAllForUser(user.id);
    // Proven control of the mailbox: the account's failed sign-ins no longer slow the person down.
    await this.throttle.clearAccount(user.username, ip);
    await this.audit.record({ event: 'password_reset', outcome: 'success', userId: user.id, ip, detail: { sessions_ended: ended } });
    const sameBrowser = redeemed[0].return_browser !== null && constantTimeEquals(redeemed[0].return_browser, browser);
    return { kind: 'done', returnTo: sameBrowser ? redeemed[0].return_to : null };
  }

  async purgeOld(): Promise<void> {
    await this.dataSource.query(`DELETE FROM password_reset_tokens WHERE coalesce(used_at, expires_at) < now() - interval '1 day'`);
    await this.dataSource.query(`DELETE FROM password_reset_requests WHERE created_at < now() - make_interval(secs => $1)`, [
      RESET_LIMITS.windowSeconds,
    ]);
  }

  /** Lets queued deliveries finish (at most a few seconds) before the database pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.race([Promise.allSettled([...this.pending]), sleep(SHUTDOWN_WAIT_MS, undefined, { ref: false })]);
  }

  private async deliver(identifier: string, ip: string, returnTo: string | null, browser: string): Promise<void> {
    // A username wins over another user's e-mail address of the same spelling (usernames may contain "@").
    const user = (await this.users.findByUsername(identifier)) ?? (await this.users.findByEmail(identifier));
    // The typed text is never recorded: it may be a password typed into the wrong field.
    if (!user?.enabled || !user.email) {
      await this.requestRefused(user?.id ?? null, ip, user ? 'no_email_or_disabled' : 'no_account');
      return;
    }
    if (!hasLocalPassword(user)) return this.explainNoLocalPassword(user, ip);
    const token = randomToken();
    const issued: unknown[] = await this.dataSource.query(
      `WITH recent AS (SELECT count(*)::int AS n FROM password_reset_tokens WHERE user_id = $1 AND created_at > now() - make_interval(secs => $2))
       INSERT INTO password_reset_tokens (token_hash, user_id, return_to, return_browser, expires_at)
       SELECT $3, $1, $4, $7, now() + make_interval(secs => $5) FROM recent WHERE recent.n < $6 RETURNING id`,
      [user.id, RESET_LIMITS.windowSeconds, hashToken(token), returnTo, RESET_LIMITS.linkLifetimeSeconds, RESET_LIMITS.perAccount, browser],
    );
    if (issued.length === 0) {
      await this.requestRefused(user.id, ip, 'throttled');
      return;
    }
    // The link is built from PUBLIC_URL, never from the request's Host header (a forged Host would mail the
    // victim a link to the attacker's site).
    const link = this.config.url(`/password-reset/confirm?token=${token}`);
    try {
      await this.mailer.send({ to: user.email, ...resetMail(user, link, RESET_LIMITS.linkLifetimeSeconds / 60) });
    } catch (error) {
      this.logger.warn(`Could not send a password reset e-mail: ${(error as Error).message}`);
      await this.requestRefused(user.id, ip, 'mail_failed');
      return;
    }
    await this.audit.record({ event: 'password_reset_requested', outcome: 'success', userId: user.id, ip });
  }

  /** A reset request that sent nothing, and why (the page answers the same either way). */
  private requestRefused(userId: string | null, ip: string, reason: string, detail: Record<string, unknown> = {}): Promise<void> {
    return this.audit.record({ event: 'password_reset_requested', outcome: 'failure', userId, ip, detail: { reason, ...detail } });
  }

  /**
   * Someone who signs in through an identity provider has no password here and gets none: a local password
   * would be a way in that their organisation's sign-in (and its off-boarding) does not control. They get a mail
   * saying so instead of a link, at most `perAccount` per window (counted like links), so the page answers alike.
   */
  private async explainNoLocalPassword(user: UserEntity, ip: string): Promise<void> {
    const admitted: unknown[] = await this.dataSource.query(
      `WITH recent AS (SELECT count(*)::int AS n FROM password_reset_requests WHERE throttle_key = $1 AND created_at > now() - make_interval(secs => $2))
       INSERT INTO password_reset_requests (throttle_key) SELECT $1 FROM recent WHERE recent.n < $3 RETURNING true AS admitted`,
      [`account:${user.id}`, RESET_LIMITS.windowSeconds, RESET_LIMITS.perAccount],
    );
    if (admitted.length === 0) {
      await this.requestRefused(user.id, ip, 'throttled');
      return;
    }
    let mailed = true;
    try {
      await this.mailer.send({ to: user.email as string, ...noLocalPasswordMail(user, this.config.url('/login')) });
    } catch (error) {
      this.logger.warn(`Could not send a password reset e-mail: ${(error as Error).message}`);
      mailed = false;
    }
    await this.requestRefused(user.id, ip, 'no_local_password', { mailed });
  }
}
