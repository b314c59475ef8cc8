import { parseDurationSeconds } from './duration';
import { ConfigurationError, validateEnvironment } from './environment';
import { parseTrustProxy } from './trust-proxy';
import { relyingPartyFor, WebAuthnRelyingParty } from './webauthn-relying-party';

export type RegistrationPolicy = 'open' | 'protected' | 'closed';

export interface CacheSettings {
  /** Access tokens remembered by the verifier (TOKEN_CACHE_MAX). */
  tokenMax: number;
  /** How long a token's revocation state is reused before it is read again, in ms (TOKEN_STATE_CACHE_MS). */
  tokenStateMs: number;
  /** Clients, client secrets, origins and users remembered, per cache (CLIENT_CACHE_MAX). */
  clientMax: number;
  /** How long a client or user lookup is reused in a process that did not make the change, in ms (CLIENT_CACHE_MS). */
  clientMs: number;
}

// Typed, validated configuration. Injected everywhere as `AppConfig`.
export class AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** OAuth issuer and base of every absolute URL; no trailing slash. */
  readonly publicUrl: string;
  readonly issuer: string;
  readonly fhirBaseUrl: string;
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresDir: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly authorizationCodeTtl: number;
  readonly backendTokenTtl: number;
  readonly refreshTokenReuseGrace: number;
  readonly loginSessionTtl: number;
  readonly adminToken: string | undefined;
  readonly keyEncryptionSecret: string | undefined;
  readonly cookieSecret: string | undefined;
  readonly registrationPolicy: RegistrationPolicy;
  /** POST /register attempts allowed per client address (IPv6: per /64) in each `registrationRateWindow` seconds. */
  readonly registrationRateLimit: number;
  readonly registrationRateWindow: number;
  readonly accessTokenSigningAlg: 'ES256' | 'RS256';
  /**
   * How the client-assertion jti write commits: `sync` (default) waits for the WAL flush, so no accepted
   * assertion can be replayed after a PostgreSQL crash (RFC 7523 §3); `async` is an opt-in (docs/clients.md).
   */
  readonly jtiCommit: 'async' | 'sync';
  readonly logLevel: string;
  /** JSON lines, or short human-readable lines (the default in development when stdout is a terminal). */
  readonly logFormat: 'json' | 'pretty';
  readonly seedDemoData: boolean;
  readonly corsAllowedOrigins: string[];
  readonly frameAncestors: string[];
  readonly fhirUpstreamUrl: string | undefined;
  readonly fhirUpstreamTimeout: number;
  /** Authorization header value sent to the upstream FHIR server in gateway mode. */
  readonly fhirUpstreamAuthorization: string | undefined;
  /** Demo pages (`/ehr` launcher, demo app): only with demo data, never in production unless asked for. */
  readonly demoPages: boolean;
  /** Proxies (addresses or CIDRs) whose X-Forwarded-* headers are believed; none by default. */
  readonly trustProxy: string[];
  /** Outbound fetches (jwks_uri) may reach RFC 1918 / RFC 4193 / loopback hosts (never link-local or metadata). */
  readonly outboundAllowPrivateNetworks: boolean;
  /** Outbound fetches may use plain http to loopback hosts (development and tests only; refused in production). */
  readonly outboundAllowHttpLoopback: boolean;
  /** Seconds within which a request's headers and body must have arrived (slow-body defence, 408 after). */
  readonly requestTimeout: number;
  /** The username/password form of local accounts on the sign-in page (false: identity providers only). */
  readonly localSignIn: boolean;
  /** Further FHIR bases this server authorizes, for `associated_endpoints` (SMART 2.2); absolute http(s) URLs. */
  readonly associatedEndpoints: string[];
  /** Roles whose people must have a second factor: without one they enrol at their next sign-in (docs/authorize.md). */
  readonly mfaRequiredRoles: string[];
  /** Passkeys' RP ID and origin, from PUBLIC_URL; null (passkeys not offered) when it names an IP or is not https. */
  readonly webauthnRelyingParty: WebAuthnRelyingParty | null;
  /** SMTP server for password reset e-mail (`smtp://` or `smtps://`, credentials in the URL); reset by e-mail is off without it. */
  readonly smtpUrl: string | undefined;
  /** From address of the server's e-mail; required with SMTP_URL. */
  readonly mailFrom: string | undefined;
  /** In-process caches (docs/architecture.md "Caches"): bounded by entries and by lifetime. */
  readonly caches: CacheSettings;

  constructor(raw: Record<string, string | undefined>) {
    const env = validateEnvironment(raw);
    this.nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
    this.port = env.PORT ?? 3000;
    this.host = env.HOST ?? '0.0.0.0';
    this.publicUrl = (env.PUBLIC_URL ?? `http://localhost:${this.port}`).replace(/\/+$/, '');
    if (this.nodeEnv === 'production' && !this.publicUrl.startsWith('https://')) {
      throw new ConfigurationError('Invalid configuration:\n  PUBLIC_URL: must be an https:// URL when NODE_ENV=production');
    }
    this.issuer = this.publicUrl;
    this.fhirBaseUrl = `${this.publicUrl}/fhir`;
    this.databaseUrl = env.DATABASE_URL;
    this.embeddedPostgresDir = env.EMBEDDED_POSTGRES_DIR ?? '.data/postgres';
    this.accessTokenTtl = duration(env.ACCESS_TOKEN_TTL, '1h');
    this.refreshTokenTtl = duration(env.REFRESH_TOKEN_TTL, '120d');
    this.authorizationCodeTtl = duration(env.AUTHORIZATION_CODE_TTL, '60s');
    // SMART Backend Services: expires_in SHOULD NOT exceed 300 seconds.
    this.backendTokenTtl = Math.min(duration(env.BACKEND_TOKEN_TTL, '300s'), 300);
    this.refreshTokenReuseGrace = duration(env.REFRESH_TOKEN_REUSE_GRACE, '30s');
    this.loginSessionTtl = duration(env.LOGIN_SESSION_TTL, '12h');
    this.adminToken = env.ADMIN_TOKEN;
    this.keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET;
    this.cookieSecret = env.COOKIE_SECRET;
    // Several processes must sign cookies alike, and a derived secret would be guessable.
    if (this.nodeEnv === 'production' && !this.cookieSecret) {
      throw new ConfigurationError('Invalid configuration:\n  COOKIE_SECRET: required when NODE_ENV=production (at least 32 characters)');
    }
    // Private signing keys must not sit in the database in clear, and the sign-in throttle's keyed hashes need a
    // secret that every process shares (the embedded development server generates one under .data/).
    if (this.nodeEnv === 'production' && !this.keyEncryptionSecret) {
      throw new ConfigurationError(
        'Invalid configuration:\n  KEY_ENCRYPTION_SECRET: required when NODE_ENV=production (at least 32 characters)',
      );
    }
    this.registrationPolicy = (env.REGISTRATION_POLICY ?? (this.nodeEnv === 'production' ? 'protected' : 'open')) as RegistrationPolicy;
    this.registrationRateLimit = env.REGISTRATION_RATE_LIMIT ?? 20;
    this.registrationRateWindow = duration(env.REGISTRATION_RATE_WINDOW, '1h');
    this.accessTokenSigningAlg = (env.ACCESS_TOKEN_SIGNING_ALG ?? 'ES256') as AppConfig['accessTokenSigningAlg'];
    this.jtiCommit = (env.JTI_COMMIT ?? 'sync') as AppConfig['jtiCommit'];
    this.logLevel = env.LOG_LEVEL ?? (this.nodeEnv === 'test' ? 'silent' : 'info');
    this.logFormat =
      (env.LOG_FORMAT as AppConfig['logFormat'] | undefined) ??
      (this.nodeEnv === 'development' && process.stdout.isTTY ? 'pretty' : 'json');
    this.seedDemoData = env.SEED_DEMO_DATA ? env.SEED_DEMO_DATA === 'true' : !this.databaseUrl;
    this.corsAllowedOrigins = list(env.CORS_ALLOWED_ORIGINS);
    this.frameAncestors = list(env.FRAME_ANCESTORS);
    this.fhirUpstreamUrl = env.FHIR_UPSTREAM_URL?.replace(/\/+$/, '');
    this.fhirUpstreamTimeout = duration(env.FHIR_UPSTREAM_TIMEOUT, '30s');
    this.fhirUpstreamAuthorization = env.FHIR_UPSTREAM_AUTHORIZATION;
    this.demoPages = this.seedDemoData && (env.DEMO_PAGES ? env.DEMO_PAGES === 'true' : this.nodeEnv !== 'production');
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY);
    this.outboundAllowPrivateNetworks = env.OUTBOUND_ALLOW_PRIVATE_NETWORKS === 'true';
    this.outboundAllowHttpLoopback = env.OUTBOUND_ALLOW_HTTP_LOOPBACK === 'true';
    this.localSignIn = env.LOCAL_SIGN_IN !== 'false';
    this.requestTimeout = Math.max(duration(env.REQUEST_TIMEOUT, '30s'), 1);
    this.associatedEndpoints = list(env.SMART_ASSOCIATED_ENDPOINTS).map((value) => absoluteHttpUrl('SMART_ASSOCIATED_ENDPOINTS', value));
    this.mfaRequiredRoles = list(env.MFA_REQUIRED_ROLES);
    if (this.mfaRequiredRoles.some((role) => !/^[a-z][a-z0-9_-]{0,63}$/.test(role))) {
      throw new ConfigurationError(
        'Invalid configuration:\n  MFA_REQUIRED_ROLES: must be a comma-separated list of role names such as practitioner,admin',
      );
    }
    this.webauthnRelyingParty = relyingPartyFor(this.publicUrl).relyingParty;
    this.smtpUrl = env.SMTP_URL;
    this.mailFrom = env.MAIL_FROM?.trim();
    if (this.smtpUrl && !this.mailFrom) {
      throw new ConfigurationError(
        'Invalid configuration:\n  MAIL_FROM: required with SMTP_URL (e.g. "Example Health <no-reply@example.org>")',
      );
    }
    this.caches = {
      tokenMax: env.TOKEN_CACHE_MAX ?? 10_000,
      tokenStateMs: env.TOKEN_STATE_CACHE_MS ?? 2000,
      clientMax: env.CLIENT_CACHE_MAX ?? 10_000,
      clientMs: env.CLIENT_CACHE_MS ?? 5000,
    };
    if (this.nodeEnv === 'production' && this.outboundAllowHttpLoopback) {
      throw new ConfigurationError('Invalid configuration:\n  OUTBOUND_ALLOW_HTTP_LOOPBACK: must not be true when NODE_ENV=production');
    }
  }

  /** Password reset by e-mail is offered only when the server can send e-mail. */
  get passwordResetByEmail(): boolean {
    return this.smtpUrl !== undefined;
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  url(path: string): string {
    return `${this.publicUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }
}

function duration(value: string | undefined, fallback: string): number {
  return parseDurationSeconds(value ?? fallback) as number;
}

function absoluteHttpUrl(name: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.hash) {
    throw new ConfigurationError(
      `Invalid configuration:\n  ${name}: each entry must be an absolute http(s) URL without credentials or fragment`,
    );
  }
  return value.replace(/\/+$/, '');
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
