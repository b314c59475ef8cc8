import type { UserEntity } from '../clients/user.entity';
import type { LoginMethod } from './login-session.entity';

/**
 * Who authorizes the current /authorize request: the user of a signed-in browser, or the user an EHR launch
 * vouches for. The latter holds for that one request only (that client, that launch) and is no sign-in session.
 */
export interface AuthorizingUser {
  user: UserEntity;
  /** CSRF token for the forms of this flow, bound to a cookie of this browser. */
  csrfToken: string;
  /** OIDC Core §2 auth_time: when this person authenticated (for a launch: when the EHR vouched for them). */
  authTime: Date;
  /** How that authentication began (the sign-in session's method; `ehr-launch` for a launch). */
  method: LoginMethod;
  /** RFC 8176 authentication method references of that authentication (empty when not known). */
  amr: string[];
  /** True when the identity comes from an EHR launch rather than a sign-in here. */
  viaLaunch: boolean;
  /** The sign-in session the code and online_access refresh tokens hang on. */
  loginSessionId(): Promise<string | null>;
}
