'use strict';

// runOnce driving the real autocannon against a tiny node:http server on loopback, started and closed by
// this spec. Each run is a fixed number of requests (autocannon still ends it on its 1 s sample tick).
// autocannon is wrapped only to read the duration it measured, so req/s can be checked exactly.
jest.mock('autocannon', () => {
  const real = jest.requireActual('autocannon');
  return jest.fn((options) => real(options));
});

const http = require('node:http');
const autocannon = require('autocannon');
const { runOnce } = require('./load');
const { fixedPlan, pooledFormPlan, tokenResponse } = require('./plans');

let server;
let url;
const seen = { mixed: 0, realBodies: 0, fallbackBodies: 0, bodies: new Set() };

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const send = (status, payload) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      if (request.url === '/mixed') {
        // One expected response in four: a right status with a wrong body, a wrong status with a right body,
        // and a plain 401 must all count as errors.
        const turn = seen.mixed++ % 4;
        if (turn === 0) return send(200, { access_token: 't', token_type: 'Bearer' });
        if (turn === 1) return send(200, { error: 'server_error' });
        if (turn === 2) return send(500, { access_token: 't' });
        return send(401, { error: 'invalid_client' });
      }
      if (request.url === '/token') {
        if (body === 'grant_type=pool_exhausted') {
          seen.fallbackBodies += 1;
          return send(400, { error: 'invalid_grant' });
        }
        seen.realBodies += 1;
        seen.bodies.add(body);
        return send(200, { access_token: body, token_type: 'Bearer' });
      }
      return send(404, {});
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
});

afterAll(async () => {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  autocannon.mockClear();
  Object.assign(seen, { mixed: 0, realBodies: 0, fallbackBodies: 0, bodies: new Set() });
});

/** The result autocannon returned to the last runOnce. */
const lastAutocannonResult = () => autocannon.mock.results[autocannon.mock.results.length - 1].value;

describe('runOnce against a local server', () => {
  it('counts wrong statuses and wrong bodies as errors and only the expected responses as throughput', async () => {
    const plan = await fixedPlan({ path: '/mixed', check: tokenResponse })();
    const run = await runOnce({ url, connections: 4, amount: 200, plan, pid: process.pid });
    const result = await lastAutocannonResult();

    expect(autocannon.mock.calls[0][0]).toMatchObject({ url, connections: 4, amount: 200, pipelining: 1 });
    expect(seen.mixed).toBe(200);
    expect(run.responses).toBe(200);
    expect(run.errors).toBe(150);
    expect(run.non2xx).toBe(100);
    expect(run.rps).toBeCloseTo(50 / result.duration, 6);
    expect(run.samples).toHaveLength(3);
    expect(run.samples.map((sample) => sample.status).sort()).toEqual([200, 401, 500]);
    expect(run.exhausted).toBe(false);
    // The server runs in this process, so its CPU per response is this process's.
    expect(run.cpuMicros).toBeGreaterThan(0);
  });

  it('sends each pooled body once and, when the pool runs out, reports it and counts the fallback requests as errors', async () => {
    const plan = await pooledFormPlan({
      path: '/token',
      makeBodies: async () => Array.from({ length: 20 }, (_, index) => `grant_type=client_credentials&n=${index}`),
      check: tokenResponse,
    })(20);
    const run = await runOnce({ url, connections: 2, amount: 60, plan });
    const result = await lastAutocannonResult();

    expect(run.exhausted).toBe(true);
    expect(run.responses).toBe(60);
    expect(seen.realBodies + seen.fallbackBodies).toBe(60);
    expect(seen.realBodies).toBeLessThanOrEqual(20);
    expect(seen.bodies.size).toBe(seen.realBodies); // no body was sent twice
    expect(run.errors).toBe(seen.fallbackBodies);
    expect(run.rps).toBeCloseTo(seen.realBodies / result.duration, 6);
    expect(run.cpuMicros).toBeNull(); // no pid given
  });
});
