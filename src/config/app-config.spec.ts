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
    [{ NODE_ENV: 'production', PUBLIC_URL: 'http://auth.example.org' }, 'PUBLIC_URL'],
    [{ NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.org' }, 'COOKIE_SECRET'],
  ])('fails with a message naming the bad variable for %p', (env, variable) => {
    expect(() => new AppConfig(env)).toThrow(variable);
  });

  it('caps the backend token lifetime at 300 seconds', () => {
    expect(new AppConfig({ BACKEND_TOKEN_TTL: '1h' }).backendTokenTtl).toBe(300);
  });
});
