import { AppConfig } from './app-config';

describe('AppConfig', () => {
  it('applies defaults', () => {
    const config = new AppConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.fhirBaseUrl).toBe('http://localhost:3000/fhir');
    expect(config.authorizationCodeTtl).toBe(60);
    expect(config.accessTokenTtl).toBe(3600);
    expect(config.refreshTokenTtl).toBeGreaterThanOrEqual(90 * 86400);
    expect(config.registrationPolicy).toBe('open');
    expect(config.seedDemoData).toBe(true);
    expect(config.jtiCommit).toBe('sync');
    expect(new AppConfig({ JTI_COMMIT: 'async' }).jtiCommit).toBe('async');
    expect(config.mfaRequiredRoles).toEqual([]);
    expect(new AppConfig({ MFA_REQUIRED_ROLES: 'practitioner, admin' }).mfaRequiredRoles).toEqual(['practitioner', 'admin']);
    expect(config.caches).toEqual({ tokenMax: 10_000, tokenStateMs: 2000, clientMax: 10_000, clientMs: 5000 });
    expect(new AppConfig({ TOKEN_STATE_CACHE_MS: '150', CLIENT_CACHE_MAX: '500' }).caches).toMatchObject({
      tokenStateMs: 150,
      clientMax: 500,
    });
  });

  it('strips a trailing slash from PUBLIC_URL and derives the FHIR base', () => {
    const config = new AppConfig({ PUBLIC_URL: 'https://auth.example.org/' });
    expect(config.issuer).toBe('https://auth.example.org');
    expect(config.fhirBaseUrl).toBe('https://auth.example.org/fhir');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ACCESS_TOKEN_TTL: 'forever' }, 'ACCESS_TOKEN_TTL'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ REGISTRATION_POLICY: 'sometimes' }, 'REGISTRATION_POLICY'],
    [{ JTI_COMMIT: 'maybe' }, 'JTI_COMMIT'],
    [{ DATABASE_STATEMENT_TIMEOUT: '10s' }, 'DATABASE_STATEMENT_TIMEOUT'],
    [{ TOKEN_STATE_CACHE_MS: '0' }, 'TOKEN_STATE_CACHE_MS'],
    [{ TOKEN_CACHE_MAX: '1' }, 'TOKEN_CACHE_MAX'],
    [{ CLIENT_CACHE_MS: '2s' }, 'CLIENT_CACHE_MS'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'http://auth.example.org' }, 'PUBLIC_URL'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.org' }, 'COOKIE_SECRET'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.org', COOKIE_SECRET: 'c'.repeat(32) }, 'KEY_ENCRYPTION_SECRET'],
    [{ KEY_ENCRYPTION_SECRET: 'too-short' }, 'KEY_ENCRYPTION_SECRET'],
    [{ TRUST_PROXY: 'proxy.example.org' }, 'TRUST_PROXY'],
    [{ MFA_REQUIRED_ROLES: 'practitioner,Admin!' }, 'MFA_REQUIRED_ROLES'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.1, ::1/129' }, 'TRUST_PROXY'],
    [{ SMART_ASSOCIATED_ENDPOINTS: 'javascript:alert(1)' }, 'SMART_ASSOCIATED_ENDPOINTS'],
    [{ SMART_ASSOCIATED_ENDPOINTS: 'https://ok.example.org/fhir, fhir.example.org' }, 'SMART_ASSOCIATED_ENDPOINTS'],
    [{ SMART_ASSOCIATED_ENDPOINTS: 'https://user:pw@fhir.example.org/fhir' }, 'SMART_ASSOCIATED_ENDPOINTS'],
    [{ SMTP_URL: 'https://mail.example.org', MAIL_FROM: 'a@example.org' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://mail.example.org/some/path', MAIL_FROM: 'a@example.org' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtps://mail.example.org' }, 'MAIL_FROM'],
    [{ SMTP_URL: 'smtp://localhost:2525', MAIL_FROM: 'a@example.org\r\nBcc: x@example.org' }, 'MAIL_FROM'],
  ])('fails with a message naming the bad variable for %p', (env, variable) => {
    expect(() => new AppConfig(env)).toThrow(variable);
  });

  it('starts in production with both secrets set', () => {
    const config = new AppConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://auth.example.org',
      COOKIE_SECRET: 'c'.repeat(32),
      KEY_ENCRYPTION_SECRET: 'k'.repeat(32),
    });
    expect(config.keyEncryptionSecret).toBe('k'.repeat(32));
  });

  it('trusts no proxy by default, and the addresses and CIDRs TRUST_PROXY lists', () => {
    expect(new AppConfig({}).trustProxy).toEqual([]);
    expect(new AppConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8 ::1 fd00::/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });

  it('offers password reset by e-mail only with SMTP_URL (and MAIL_FROM)', () => {
    expect(new AppConfig({}).passwordResetByEmail).toBe(false);
    const config = new AppConfig({
      SMTP_URL: 'smtps://user:p%40ss@mail.example.org:465',
      MAIL_FROM: 'Example Health <no-reply@example.org>',
    });
    expect(config.passwordResetByEmail).toBe(true);
    expect(config.mailFrom).toBe('Example Health <no-reply@example.org>');
  });

  it('caps the backend token lifetime at 300 seconds', () => {
    expect(new AppConfig({ BACKEND_TOKEN_TTL: '1h' }).backendTokenTtl).toBe(300);
  });
});
