import { fastifyTrustProxy, parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('gives Fastify no trusted proxy when unset or empty, so X-Forwarded-For is ignored', () => {
    expect(fastifyTrustProxy({})).toBe(false);
    expect(fastifyTrustProxy({ TRUST_PROXY: ' , ' })).toBe(false);
  });

  it('gives Fastify exactly the listed addresses and CIDRs', () => {
    expect(fastifyTrustProxy({ TRUST_PROXY: '127.0.0.1,192.168.0.0/16  2001:db8::/32' })).toEqual([
      '127.0.0.1',
      '192.168.0.0/16',
      '2001:db8::/32',
    ]);
  });

  it.each(['true', '*', 'loopback', 'proxy.example.org', '10.0.0.0/', '10.0.0.0/33', '::/129', '10.0.0.1/8/8', '10.0.0.0/-1'])(
    'refuses %p, naming the variable',
    (value) => {
      expect(() => parseTrustProxy(value)).toThrow(/TRUST_PROXY/);
    },
  );
});
