import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { AssertionSignatureError, verifyAssertion } from './assertion-signature';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const KEY_FOR: Record<string, { privateKey: KeyObject; publicKey: KeyObject }> = {
  RS256: rsa,
  RS384: rsa,
  PS384: rsa,
  ES256: p256,
  ES384: p384,
};
const now = () => Math.floor(Date.now() / 1000);
const claimOptions = {
  issuer: 'client-1',
  subject: 'client-1',
  audience: ['https://auth.example/token'],
  clockTolerance: 60,
  requiredClaims: ['exp', 'jti'],
};

async function assertion(alg: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: 'client-1', sub: 'client-1', aud: 'https://auth.example/token', exp: now() + 300, jti: 'j-1', ...claims })
    .setProtectedHeader({ alg, kid: 'k', typ: 'JWT', ...header })
    .sign(KEY_FOR[alg].privateKey);
}

const check = (token: string, key: KeyObject = KEY_FOR[decodeProtectedHeader(token).alg as string].publicKey) =>
  verifyAssertion(token, decodeProtectedHeader(token), key, claimOptions);

describe('verifyAssertion', () => {
  it.each(Object.keys(KEY_FOR))('accepts a %s assertion signed by jose and returns its claims', async (alg) => {
    await expect(check(await assertion(alg))).resolves.toMatchObject({ iss: 'client-1', jti: 'j-1' });
  });

  it.each(Object.keys(KEY_FOR))('refuses a %s assertion whose payload was changed after signing', async (alg) => {
    const [header, , signature] = (await assertion(alg)).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: 'client-1', sub: 'client-1', aud: 'https://auth.example/token', exp: now() + 300, jti: 'j-2' }),
    ).toString('base64url');
    await expect(check(`${header}.${payload}.${signature}`)).rejects.toThrow(AssertionSignatureError);
  });

  it('refuses a signature by another key of the same type', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(check(await assertion('RS384'), other.publicKey)).rejects.toThrow('signature verification failed');
  });

  it('refuses a key that does not fit the algorithm: wrong type, wrong curve, a private key, RSA under 2048 bits', async () => {
    await expect(check(await assertion('RS384'), p384.publicKey)).rejects.toThrow(/rsa public key/);
    await expect(check(await assertion('ES384'), p256.publicKey)).rejects.toThrow(/secp384r1/);
    await expect(check(await assertion('ES256'), p256.privateKey)).rejects.toThrow(/public key/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await expect(check(await assertion('RS384'), small.publicKey)).rejects.toThrow(/2048/);
  });

  it('refuses an ES384 signature in DER form (RFC 7518 §3.4 requires R || S)', async () => {
    const [header, payload] = (await assertion('ES384')).split('.');
    const der = sign('sha384', Buffer.from(`${header}.${payload}`), p384.privateKey).toString('base64url');
    await expect(check(`${header}.${payload}.${der}`)).rejects.toThrow(AssertionSignatureError);
  });

  it('refuses critical header extensions, an unsupported alg and a malformed signature segment', async () => {
    // Signed by hand: jose itself refuses to sign with an extension it does not know.
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${b64({ alg: 'RS384', kid: 'k', typ: 'JWT', crit: ['exp-ext'], 'exp-ext': true })}.${b64({ iss: 'client-1', sub: 'client-1', aud: 'https://auth.example/token', exp: now() + 300, jti: 'j' })}`;
    const critical = `${input}.${sign('sha384', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
    await expect(check(critical)).rejects.toThrow(/crit/);
    const token = await assertion('RS384');
    await expect(verifyAssertion(token, { ...decodeProtectedHeader(token), alg: 'HS256' }, rsa.publicKey, claimOptions)).rejects.toThrow(
      /unsupported alg/,
    );
    await expect(check(`${token.slice(0, -2)}*=`)).rejects.toThrow(/malformed/);
    await expect(verifyAssertion(`${token}.extra`, decodeProtectedHeader(token), rsa.publicKey, claimOptions)).rejects.toThrow(/malformed/);
  });

  it('leaves the claims to jose: wrong aud, iss or sub, expiry beyond the skew, a missing jti all fail', async () => {
    await expect(check(await assertion('RS384', { aud: 'https://elsewhere.example/token' }))).rejects.toThrow(/aud/);
    await expect(check(await assertion('RS384', { iss: 'client-2' }))).rejects.toThrow(/iss/);
    await expect(check(await assertion('RS384', { sub: 'client-2' }))).rejects.toThrow(/sub/);
    await expect(check(await assertion('RS384', { exp: now() - 120 }))).rejects.toThrow(/exp/);
    await expect(check(await assertion('RS384', { jti: undefined }))).rejects.toThrow(/jti/);
    await expect(check(await assertion('RS384', { exp: now() - 30 }))).resolves.toMatchObject({
      iss: 'client-1',
      sub: 'client-1',
      jti: 'j-1',
    });
    await expect(check(await assertion('RS384', { aud: ['https://auth.example/token', 'other'] }))).resolves.toMatchObject({
      aud: ['https://auth.example/token', 'other'],
    });
  });
});
