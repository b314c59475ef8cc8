import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { signCompactJws } from './jws-signer';
import type { SigningAlgorithm } from './signing-key.entity';

const KEYS: Record<SigningAlgorithm, ReturnType<typeof generateKeyPairSync>> = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
};
const claims = { iss: 'https://auth.example', sub: 'u1', aud: 'https://fhir.example', scope: 'patient/Patient.rs', name: 'Zoë ✓' };

describe('signCompactJws', () => {
  it.each(Object.keys(KEYS) as SigningAlgorithm[])('%s tokens verify with jose and carry the header as given', async (alg) => {
    const { privateKey, publicKey } = KEYS[alg];
    const token = await signCompactJws({ alg, kid: 'k1', typ: 'at+jwt' }, claims, privateKey);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], typ: 'at+jwt' });
    expect(protectedHeader).toEqual({ alg, kid: 'k1', typ: 'at+jwt' });
    expect(payload).toEqual(claims);
  });

  it('ES256 signatures are the 64-byte R || S of RFC 7518 §3.4, not DER', async () => {
    const token = await signCompactJws({ alg: 'ES256', kid: 'k', typ: 'JWT' }, claims, KEYS.ES256.privateKey);
    expect(Buffer.from(token.split('.')[2], 'base64url')).toHaveLength(64);
  });

  it('a changed payload no longer verifies', async () => {
    const token = await signCompactJws({ alg: 'RS256', kid: 'k', typ: 'JWT' }, claims, KEYS.RS256.privateKey);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'u2' })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, KEYS.RS256.publicKey)).rejects.toThrow();
  });

  it('is base64url without padding in every segment', async () => {
    const token = await signCompactJws({ alg: 'ES256', kid: 'k', typ: 'JWT' }, claims, KEYS.ES256.privateKey);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
  });

  it('refuses an algorithm it does not sign and a key of the wrong type', async () => {
    await expect(signCompactJws({ alg: 'HS256' as SigningAlgorithm, kid: 'k', typ: 'JWT' }, claims, KEYS.RS256.privateKey)).rejects.toThrow(
      /unsupported/,
    );
    await expect(signCompactJws({ alg: 'ES256', kid: 'k', typ: 'JWT' }, claims, KEYS.RS256.privateKey)).rejects.toThrow(/ec key/);
    await expect(signCompactJws({ alg: 'RS256', kid: 'k', typ: 'JWT' }, claims, KEYS.ES256.privateKey)).rejects.toThrow(/rsa key/);
  });
});
