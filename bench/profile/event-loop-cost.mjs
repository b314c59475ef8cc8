// Main-thread (event-loop) cost of the per-request operations the profiles point at, against the
// alternatives recommended in bench/README.md. Usage: node bench/profile/event-loop-cost.mjs
// "main thread µs/op" is event-loop utilisation × wall time / operations, with 16 operations in flight.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import * as jose from 'jose';

const require = createRequire(import.meta.url);
const data = Buffer.alloc(600, 1);

async function measure(label, count, operation) {
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  let inFlight = [];
  for (let index = 0; index < count; index += 1) {
    inFlight.push(operation());
    if (inFlight.length >= 16) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  const elapsed = performance.now() - started;
  const utilisation = performance.eventLoopUtilization(before).utilization;
  console.log(`${label.padEnd(58)} ${((utilisation * elapsed * 1000) / count).toFixed(1).padStart(7)} µs main thread/op`);
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
const p384Jwk = p384.publicKey.export({ format: 'jwk' });
const rsaVerifyKey = await jose.importJWK({ ...rsaJwk, alg: 'RS384' }, 'RS384');
const rs384Assertion = await new jose.SignJWT({ iss: 'c', sub: 'c', aud: 'a', jti: 'j', exp: Math.floor(Date.now() / 1000) + 300 })
  .setProtectedHeader({ alg: 'RS384', kid: 'k' })
  .sign(await jose.importJWK({ ...rsa.privateKey.export({ format: 'jwk' }), alg: 'RS384' }, 'RS384'));
const rs384Signature = sign('sha384', data, rsa.privateKey);
const es256Key = await jose.importJWK({ ...p256.privateKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');
const es256Signature = sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' });
const n = Number(process.env.COUNT || 2000);

console.log('Client assertion key (PrivateKeyJwtAuthenticator.verify imports it on every request):');
await measure('  RSA JWK, jose importJWK (per request today)', n, () => jose.importJWK({ ...rsaJwk, alg: 'RS384' }, 'RS384'));
await measure('  P-384 JWK, jose importJWK (per request today)', Math.ceil(n / 4), () =>
  jose.importJWK({ ...p384Jwk, alg: 'ES384' }, 'ES384'),
);
await measure('  RSA JWK, crypto.createPublicKey (once per key if cached)', n, async () => createPublicKey({ key: rsaJwk, format: 'jwk' }));
console.log('Client assertion signature, RS384:');
await measure('  jose jwtVerify over WebCrypto (today)', n, () => jose.jwtVerify(rs384Assertion, rsaVerifyKey));
await measure(
  '  crypto.verify with a callback (thread pool)',
  n,
  () => new Promise((resolve) => verify('sha384', data, rsa.publicKey, rs384Signature, resolve)),
);
console.log('Access token signature, ES256:');
await measure('  jose SignJWT over WebCrypto (KeysService.sign today)', n, () =>
  new jose.SignJWT({ scope: 'system/Patient.rs' }).setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' }).sign(es256Key),
);
await measure(
  '  crypto.sign with a callback (thread pool)',
  n,
  () => new Promise((resolve) => sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' }, resolve)),
);
await measure('  crypto.verify, synchronous (passport-jwt in the FHIR guard)', n, async () =>
  verify('sha256', data, { key: p256.publicKey, dsaEncoding: 'ieee-p1363' }, es256Signature),
);
await measure('  Map lookup of an already verified token (a verified-token cache)', n, async () => new Map([['t', 1]]).get('t'));

const helmet = require('helmet');
const options = {
  contentSecurityPolicy: {
    directives: { defaultSrc: ["'self'"], frameAncestors: ["'self'"], formAction: null, upgradeInsecureRequests: null },
  },
};
const response = { setHeader() {}, removeHeader() {} };
const built = helmet(options);
console.log('Security headers:');
await measure('  helmet(options)(req, res) per request (@fastify/helmet today)', n, async () =>
  helmet(options)({}, response, () => undefined),
);
await measure('  helmet built once, applied per request', n, async () => built({}, response, () => undefined));
