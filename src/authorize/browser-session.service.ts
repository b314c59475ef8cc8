import { Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { constantTimeEquals, hashToken, randomToken } from '../common/crypto/random-token';
import { AppConfig } from '../config/app-config';
import { AuthorizingUser } from './authorizing-user';
import { LoginMethod, LoginSessionEntity } from './login-session.entity';
import { LoginSessionService } from './login-session.service';

export const SESSION_COOKIE = 'smart_auth_session';
// Anonymous CSRF binding for the sign-in form, before a session exists.
export const BROWSER_COOKIE = 'smart_auth_browser';

export interface SignedInUser {
  session: LoginSessionEntity;
  user: UserEntity;
  /** CSRF token for forms in this session: derived from the secret cookie value, never stored. */
  csrfToken: string;
}

@Injectable()
export class BrowserSessionService {
  constructor(
    private readonly sessions: LoginSessionService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async current(request: FastifyRequest): Promise<SignedInUser | null> {
    const token = this.readCookie(request, SESSION_COOKIE);
    const session = await this.sessions.findActiveByToken(token);
    if (!session || !token) return null;
    const user = await this.users.findById(session.userId);
    if (!user?.enabled) return null;
    return { session, user, csrfToken: csrfFor(token) };
  }

  /** `amr` (RFC 8176) says how the person proved who they are; a password alone is `pwd`. */
  async signIn(reply: FastifyReply, user: UserEntity, method: LoginMethod, amr: string[] = defaultAmr(method)): Promise<SignedInUser> {
    const { session, token } = await this.sessions.start(user.id, method, amr, {
      ip: reply.request.ip,
      userAgent: reply.request.headers['user-agent'],
    });
    reply.setCookie(SESSION_COOKIE, token, this.cookieOptions(this.config.loginSessionTtl));
    return { session, user, csrfToken: csrfFor(token) };
  }

  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const signedIn = await this.current(request);
    if (signedIn) await this.sessions.end(signedIn.session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /** The signed-in browser as the authorizer of a request; auth_time is when the session's sign-in happened. */
  asAuthorizingUser(signedIn: SignedInUser): AuthorizingUser {
    return {
      user: signedIn.user,
      csrfToken: signedIn.csrfToken,
      authTime: signedIn.session.createdAt,
      method: signedIn.session.method,
      amr: signedIn.session.amr ?? [],
      viaLaunch: false,
      loginSessionId: async () => signedIn.session.id,
    };
  }

  /**
   * The user an EHR launch names, for this one authorization request: no session cookie is set, so `/apps` and
   * other clients' requests still ask for a sign-in. Forms are bound to this browser's cookie. A session row
   * without a cookie (nobody holds its token) is created only when a code is issued, as the anchor of
   * online_access refresh tokens.
   */
  launchIdentity(request: FastifyRequest, reply: FastifyReply, user: UserEntity, vouchedAt: Date): AuthorizingUser {
    return {
      user,
      csrfToken: this.anonymousCsrfToken(request, reply),
      authTime: vouchedAt,
      method: 'ehr-launch',
      // The EHR vouched for the person; how they authenticated there is not known here.
      amr: [],
      viaLaunch: true,
      loginSessionId: async () => (await this.sessions.start(user.id, 'ehr-launch')).session.id,
    };
  }

  /** A value identifying this browser (a hash of its random browser cookie, set here when missing). */
  browserBinding(request: FastifyRequest, reply: FastifyReply): string {
    return hashToken(`browser:${this.browserCookie(request, reply)}`);
  }

  /** CSRF token for the sign-in form, bound to a random browser cookie (set here when missing). */
  anonymousCsrfToken(request: FastifyRequest, reply: FastifyReply): string {
    return csrfFor(this.browserCookie(request, reply));
  }

  private browserCookie(request: FastifyRequest, reply: FastifyReply): string {
    let value = this.readCookie(request, BROWSER_COOKIE);
    if (!value) {
      value = randomToken();
      reply.setCookie(BROWSER_COOKIE, value, this.cookieOptions(this.config.loginSessionTtl));
      // A second call in the same request (binding, then the form's CSRF token) must see the same value.
      request.cookies ??= {};
      request.cookies[BROWSER_COOKIE] = reply.signCookie(value);
    }
    return value;
  }

  anonymousCsrfValid(request: FastifyRequest, provided: unknown): boolean {
    const value = this.readCookie(request, BROWSER_COOKIE);
    return !!value && typeof provided === 'string' && constantTimeEquals(csrfFor(value), provided);
  }

  sessionCsrfValid(signedIn: SignedInUser, provided: unknown): boolean {
    return typeof provided === 'string' && constantTimeEquals(signedIn.csrfToken, provided);
  }

  /** The value of a signed cookie of this server, or null when missing or tampered with. */
  readCookie(request: FastifyRequest, name: string): string | null {
    const raw = request.cookies?.[name];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? unsigned.value : null;
  }

  /** Options of every cookie of the sign-in pages (other modules' short-lived cookies use them too). */
  cookieOptions(maxAgeSeconds: number) {
    const secure = this.config.publicUrl.startsWith('https://');
    // Pages framed by an EHR (FRAME_ANCESTORS) are cross-site, where browsers send only SameSite=None cookies;
    // the CSRF token on every form still binds each post to this browser.
    const framed = secure && this.config.frameAncestors.length > 0;
    return {
      path: '/',
      httpOnly: true,
      sameSite: framed ? ('none' as const) : ('lax' as const),
      secure,
      signed: true,
      maxAge: maxAgeSeconds,
    };
  }
}

function csrfFor(cookieValue: string): string {
  return hashToken(`csrf:${cookieValue}`);
}

function defaultAmr(method: LoginMethod): string[] {
  return method === 'password' ? ['pwd'] : [];
}
