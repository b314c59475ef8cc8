import { AppConfig } from '../../config/app-config';
import { helmetOptions, staticSecurityHeaders } from './security-headers';

describe('static security headers', () => {
  it('carries the CSP, framing and sniffing protections for an http development server', () => {
    const headers = staticSecurityHeaders(helmetOptions(new AppConfig({})));
    expect(headers['Content-Security-Policy']).toContain("default-src 'self'");
    expect(headers['Content-Security-Policy']).toContain("frame-ancestors 'self'");
    expect(headers['Content-Security-Policy']).not.toContain('form-action');
    expect(headers['Content-Security-Policy']).not.toContain('upgrade-insecure-requests');
    expect(headers['X-Frame-Options']).toBe('SAMEORIGIN');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Strict-Transport-Security']).toBeUndefined();
  });

  it('allows the configured EHR origins to frame the pages and adds HSTS on https', () => {
    const headers = staticSecurityHeaders(
      helmetOptions(new AppConfig({ PUBLIC_URL: 'https://auth.example.org', FRAME_ANCESTORS: 'https://ehr.example.org' })),
    );
    expect(headers['Content-Security-Policy']).toContain("frame-ancestors 'self' https://ehr.example.org");
    expect(headers['Content-Security-Policy']).toContain('upgrade-insecure-requests');
    expect(headers['X-Frame-Options']).toBeUndefined();
    expect(headers['Strict-Transport-Security']).toMatch(/max-age=\d+/);
  });
});
