import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { SignedInUser } from '../authorize/browser-session.service';
import { LoginSessionService } from '../authorize/login-session.service';
import { LoginThrottleService } from '../authorize/login-throttle.service';
import type { UserEntity } from '../clients/user.entity';
import { hasLocalPassword, UsersService } from '../clients/users.service';
import { TotpService } from '../mfa';
import { PasskeysService } from '../passkeys';
import { QueueBusyError } from '../common/concurrency/bounded-queue';

export interface SessionRow {
  id: string;
  current: boolean;
  /** e.g. "Password sign-in". */
  method: string;
  startedIso: string;
  started: string;
  ip: string | null;
  userAgent: string | null;
}

export type ChangeOutcome =
  | { kind: 'changed'; sessionsEnded: number }
  | { kind: 'wrong' | 'throttled' | 'busy' | 'no_local_password' }
  | { kind: 'weak'; message: string };

/** The account page's "Security keys and authenticator apps" section. */
export interface SecurityOverview {
  /** False for people who sign in through an identity provider: no password here, no second step after one. */
  localPassword: boolean;
  authenticatorApp: boolean;
  passkeysAvailable: boolean;
  passkeys: number;
}

const METHODS: Record<string, string> = { password: 'Password sign-in', 'ehr-launch': 'Launched from an EHR (no browser sign-in)' };

/** The signed-in person's own account: password change and sign-in sessions (OWASP ASVS 4 V2.1.5–V2.1.6, V3.3). */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: LoginSessionService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly totp: TotpService,
    private readonly passkeys: PasskeysService,
  ) {}

  async securityOf(signedIn: SignedInUser): Promise<SecurityOverview> {
    const { user } = signedIn;
    const [authenticatorApp, passkeys] = await Promise.all([this.totp.isEnrolled(user.id), this.passkeys.list(user.id)]);
    return {
      localPassword: hasLocalPassword(user),
      authenticatorApp,
      passkeysAvailable: this.passkeys.available,
      passkeys: passkeys.length,
    };
  }

  async sessionsOf(signedIn: SignedInUser): Promise<SessionRow[]> {
    const sessions = await this.sessions.listActiveForUser(signedIn.user.id);
    return sessions.map((session) => ({
      id: session.id,
      current: session.id === signedIn.session.id,
      method: METHODS[session.method] ?? session.method,
      startedIso: session.createdAt.toISOString(),
      started: `${session.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      ip: session.ip,
      userAgent: session.userAgent,
    }));
  }

  /**
   * Needs the current password, checked like a sign-in (bounded argon2 queue, the sign-in throttle's counters,
   * so a borrowed session cannot guess it faster than the sign-in page allows). A change ends every other session.
   */
  async changePassword(signedIn: SignedInUser, currentPassword: string, newPassword: string, ip: string): Promise<ChangeOutcome> {
    const { user } = signedIn;
    // Someone who signs in through an identity provider has no password here, and cannot be given one: a local
    // password would be a second way in that the organisation's sign-in (and its off-boarding) does not control.
    if (!hasLocalPassword(user)) return { kind: 'no_local_password' };
    const problem = this.users.passwordProblem(newPassword, user);
    if (problem) return { kind: 'weak', message: problem };
    const decision = await this.throttle.decide(user.username, ip);
    if (decision.kind === 'refuse') return { kind: 'throttled' };
    if (!(await this.throttle.wait(decision.delayMs))) return { kind: 'busy' };
    let verified: UserEntity | null;
    try {
      verified = await this.users.verifyPassword(user.username, currentPassword);
    } catch (error) {
      if (error instanceof QueueBusyError) return { kind: 'busy' };
      throw error;
    }
    if (verified?.id !== user.id) {
      await this.throttle.recordFailure(user.username, ip);
      await this.audit.record({
        event: 'password_changed',
        outcome: 'failure',
        userId: user.id,
        ip,
        detail: { reason: 'wrong_current_password' },
      });
      return { kind: 'wrong' };
    }
    await this.throttle.clearAccount(user.username, ip);
    await this.users.resetPassword(user.id, newPassword);
    const sessionsEnded = await this.sessions.endAllForUser(user.id, signedIn.session.id);
    await this.audit.record({
      event: 'password_changed',
      outcome: 'success',
      userId: user.id,
      ip,
      detail: { sessions_ended: sessionsEnded },
    });
    return { kind: 'changed', sessionsEnded };
  }

  /** Ends every session of the person but this one; online_access refresh tokens hanging on them stop working. */
  async endOtherSessions(signedIn: SignedInUser, ip: string): Promise<number> {
    const ended = await this.sessions.endAllForUser(signedIn.user.id, signedIn.session.id);
    await this.audit.record({
      event: 'sessions_ended',
      outcome: 'success',
      userId: signedIn.user.id,
      ip,
      detail: { sessions_ended: ended },
    });
    return ended;
  }

  /** Ends one other session of the person; false when it is not theirs, already over, or this one. */
  async endSession(signedIn: SignedInUser, sessionId: string, ip: string): Promise<boolean> {
    if (sessionId === signedIn.session.id) return false;
    const ended = await this.sessions.endForUser(signedIn.user.id, sessionId);
    if (ended)
      await this.audit.record({
        event: 'sessions_ended',
        outcome: 'success',
        userId: signedIn.user.id,
        ip,
        detail: { sessions_ended: 1, session_id: sessionId },
      });
    return ended;
  }
}
