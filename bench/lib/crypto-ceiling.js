'use strict';

const { generateKeyPairSync, sign, verify } = require('node:crypto');

// The crypto ceiling: what one signature or verification costs on this machine, on one core (synchronous,
// on the calling thread) and on the libuv thread pool (asynchronous, all cores).
const KEYS = {
  RS256: { hash: 'sha256', pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  RS384: { hash: 'sha384', pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  ES256: { hash: 'sha256', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), dsaEncoding: 'ieee-p1363' },
  ES384: { hash: 'sha384', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), dsaEncoding: 'ieee-p1363' },
};

const DATA = Buffer.from(`${'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsiLCJ0eXAiOiJhdCtqd3QifQ'}.${'x'.repeat(420)}`);

function timeSync(seconds, fn) {
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    fn();
    count += 1;
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function timeAsync(seconds, concurrency, fn) {
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const start = process.hrtime.bigint();
  const lane = async () => {
    while (Date.now() < end) {
      await fn();
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function row(name, opsPerSecond) {
  return { name, opsPerSecond: Math.round(opsPerSecond), msPerOp: Number((1000 / opsPerSecond).toFixed(4)) };
}

async function measureCryptoCeiling(seconds = 1) {
  const rows = [];
  for (const [alg, spec] of Object.entries(KEYS)) {
    const { privateKey, publicKey } = spec.pair();
    const signKey = spec.dsaEncoding ? { key: privateKey, dsaEncoding: spec.dsaEncoding } : privateKey;
    const verifyKey = spec.dsaEncoding ? { key: publicKey, dsaEncoding: spec.dsaEncoding } : publicKey;
    const signature = sign(spec.hash, DATA, signKey);
    if (alg === 'RS256' || alg === 'ES256') {
      rows.push(
        row(
          `${alg} sign, one core (sync)`,
          timeSync(seconds, () => sign(spec.hash, DATA, signKey)),
        ),
      );
      rows.push(
        row(
          `${alg} sign, thread pool (async, all cores)`,
          await timeAsync(
            seconds,
            8,
            () => new Promise((resolve, reject) => sign(spec.hash, DATA, signKey, (error) => (error ? reject(error) : resolve()))),
          ),
        ),
      );
    }
    rows.push(
      row(
        `${alg} verify, one core (sync)`,
        timeSync(seconds, () => verify(spec.hash, DATA, verifyKey, signature)),
      ),
    );
  }
  rows.push(...(await joseRows(seconds)));
  return rows;
}

// The path KeysService.sign() takes: jose SignJWT over WebCrypto keys.
async function joseRows(seconds) {
  const { SignJWT, importJWK } = require('jose');
  const out = [];
  for (const alg of ['RS256', 'ES256']) {
    const { privateKey } = KEYS[alg].pair();
    const key = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg }, alg);
    const payload = {
      iss: 'http://127.0.0.1',
      sub: 'client',
      aud: 'http://127.0.0.1/fhir',
      scope: 'system/Patient.rs',
      jti: 'x',
      client_id: 'client',
    };
    out.push(
      row(
        `${alg} jose SignJWT (WebCrypto), concurrency 8`,
        await timeAsync(seconds, 8, () => new SignJWT(payload).setProtectedHeader({ alg, kid: 'k', typ: 'at+jwt' }).sign(key)),
      ),
    );
  }
  return out;
}

module.exports = { measureCryptoCeiling };
