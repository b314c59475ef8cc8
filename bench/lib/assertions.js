'use strict';

const { generateKeyPairSync, randomUUID, sign } = require('node:crypto');

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const ALGORITHMS = {
  RS384: { hash: 'sha384', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), dsaEncoding: undefined },
  ES384: { hash: 'sha384', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), dsaEncoding: 'ieee-p1363' },
  RS256: { hash: 'sha256', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), dsaEncoding: undefined },
};

/** A client key pair: `publicJwk` goes into the client's registered jwks, the private key signs assertions. */
function clientKey(alg) {
  const spec = ALGORITHMS[alg];
  const { privateKey, publicKey } = spec.generate();
  const kid = randomUUID();
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

function signAsync(spec, data, privateKey) {
  return new Promise((resolve, reject) => {
    const key = spec.dsaEncoding ? { key: privateKey, dsaEncoding: spec.dsaEncoding } : privateKey;
    sign(spec.hash, data, key, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

/**
 * `count` RFC 7523 client assertions, each with its own jti, signed on the libuv thread pool so all cores
 * help. Built before a run so the load generator only copies bytes.
 */
async function assertionPool({ key, clientId, audience, count, lifetimeSeconds = 290 }) {
  const spec = ALGORITHMS[key.alg];
  const header = b64({ alg: key.alg, kid: key.kid, typ: 'JWT' });
  const out = new Array(count);
  const batch = 512;
  for (let start = 0; start < count; start += batch) {
    const jobs = [];
    for (let index = start; index < Math.min(count, start + batch); index += 1) {
      const now = Math.floor(Date.now() / 1000);
      const payload = b64({ iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat: now, exp: now + lifetimeSeconds });
      const input = `${header}.${payload}`;
      jobs.push(
        signAsync(spec, Buffer.from(input), key.privateKey).then(
          (signature) => (out[index] = `${input}.${signature.toString('base64url')}`),
        ),
      );
    }
    await Promise.all(jobs);
  }
  return out;
}

module.exports = { assertionPool, clientKey };
