import { outboundUrlRefusal } from './outbound-url';

const STRICT = { allowPrivateNetworks: false, allowHttpLoopback: false };
const PRIVATE = { allowPrivateNetworks: true, allowHttpLoopback: false };
const LOCAL = { allowPrivateNetworks: true, allowHttpLoopback: true };

describe('outboundUrlRefusal', () => {
  it('accepts public https URLs', () => {
    expect(outboundUrlRefusal('https://backend.example.org/jwks.json', STRICT)).toBeNull();
    expect(outboundUrlRefusal('https://93.184.216.34:8443/jwks.json', STRICT)).toBeNull();
  });

  it.each([
    'http://backend.example.org/jwks',
    'ftp://backend.example.org/jwks',
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_',
    'not a url',
  ])('refuses %s', (url) => {
    expect(outboundUrlRefusal(url, STRICT)).not.toBeNull();
  });

  it('refuses credentials in the URL', () => {
    expect(outboundUrlRefusal('https://user:pw@backend.example.org/jwks', STRICT)).toBe('must not contain credentials');
  });

  it('refuses private and loopback targets unless allowed; link-local and metadata always', () => {
    for (const url of ['https://10.0.0.1/', 'https://127.0.0.1/', 'https://[::1]/', 'https://localhost/', 'https://x.localhost./']) {
      expect(outboundUrlRefusal(url, STRICT)).not.toBeNull();
      expect(outboundUrlRefusal(url, PRIVATE)).toBeNull();
    }
    for (const url of ['https://169.254.169.254/', 'https://[fd00:ec2::254]/', 'https://[fe80::1]/', 'https://0.0.0.0/']) {
      expect(outboundUrlRefusal(url, PRIVATE)).not.toBeNull();
    }
  });

  it('allows plain http only to loopback, and only when asked for', () => {
    expect(outboundUrlRefusal('http://127.0.0.1:8080/jwks', PRIVATE)).toBe('must use https');
    expect(outboundUrlRefusal('http://127.0.0.1:8080/jwks', LOCAL)).toBeNull();
    expect(outboundUrlRefusal('http://localhost:8080/jwks', LOCAL)).toBeNull();
    expect(outboundUrlRefusal('http://10.0.0.1/jwks', LOCAL)).toBe('must use https');
    expect(outboundUrlRefusal('http://backend.example.org/jwks', LOCAL)).toBe('must use https');
    expect(outboundUrlRefusal('http://127.0.0.1:8080/jwks', { allowPrivateNetworks: false, allowHttpLoopback: true })).not.toBeNull();
  });
});
