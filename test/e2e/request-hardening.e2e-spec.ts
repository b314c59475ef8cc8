import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { freePort } from '../../src/database/embedded-postgres';
import { FhirAuthModule } from '../../src/fhir-auth';
import { createUser } from '../utils/authorize-fixtures';
import { CookieJar, parseForms } from '../utils/authorize-flow';
import { mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

// Requests are refused before their bodies are read when unauthenticated, slow bodies
// are cut off, and malformed input (deep JSON, NUL, unpaired surrogates, raw `..`, CR/LF in a redirect) is a
// 400/404 in the endpoint's own format, never a 500 or a raw Fastify error.
const ADMIN_TOKEN = `admin-${randomBytes(24).toString('hex')}`;
const FOUR_MB = 4 * 1024 * 1024;

interface RawExchange {
  /** Everything the server sent before it closed the connection or `waitMs` passed. */
  response: string;
  closed: boolean;
}

/**
 * Writes `head` (request line and headers) and `body` over a raw socket, never more, then waits up to `waitMs`
 * for a complete response (or the server closing the connection). A client library would normalise `..` paths
 * and insist on sending the whole announced body; an attacker does neither.
 */
function rawExchange(
  server: TestApp,
  head: string,
  body: string | Buffer,
  waitMs: number,
  trickle?: { everyMs: number },
): Promise<RawExchange> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve) => {
    let response = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let drip: NodeJS.Timeout | undefined;
    const socket = connect(Number(url.port), url.hostname);
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(drip);
      socket.destroy();
      resolve({ response, closed });
    };
    socket.on('connect', () => {
      socket.write(`${head.replace(/\n/g, '\r\n')}\r\n`);
      socket.write(body);
      if (trickle) drip = setInterval(() => socket.writable && socket.write('x'), trickle.everyMs);
    });
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
      if (complete(response)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    timer = setTimeout(() => finish(false), waitMs);
  });
}

function complete(response: string): boolean {
  const end = response.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(response.slice(0, end))?.[1];
  return length !== undefined && response.length - end - 4 >= Number(length);
}

function statusOf(response: string): number | undefined {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
  return status ? Number(status) : undefined;
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf('\r\n\r\n') + 4);
}

describe('request hardening', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REGISTRATION_POLICY: 'open' });
  });

  afterAll(async () => {
    await server.close();
  });

  describe('unauthenticated requests are refused before the body is read', () => {
    // The server is told 4 MB are coming and gets 64 KiB: it must answer without waiting for the rest.
    const partial = 'x'.repeat(64 * 1024);

    it('POST /fhir without a token: 401 OperationOutcome with WWW-Authenticate, while the body is still unsent', async () => {
      const host = new URL(server.baseUrl).host;
      const { response } = await rawExchange(
        server,
        `POST /fhir/Observation HTTP/1.1\nHost: ${host}\nContent-Type: application/fhir+json\nContent-Length: ${FOUR_MB}\n`,
        partial,
        5_000,
      );
      expect(statusOf(response)).toBe(401);
      expect(response).toMatch(/\r\nwww-authenticate: Bearer realm="[^"]+"\r\n/i);
      expect(JSON.parse(bodyOf(response))).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    });

    it('POST /fhir with a bearer token that does not verify: 401 before the body', async () => {
      const host = new URL(server.baseUrl).host;
      const forged = await mintAccessToken(server, {
        scope: 'patient/*.cruds',
        patient: 'p-1',
        audience: 'https://elsewhere.example/fhir',
      });
      const { response } = await rawExchange(
        server,
        `POST /fhir/Observation HTTP/1.1\nHost: ${host}\nAuthorization: Bearer ${forged}\nContent-Type: application/fhir+json\nContent-Length: ${FOUR_MB}\n`,
        partial,
        5_000,
      );
      expect(statusOf(response)).toBe(401);
      expect(JSON.parse(bodyOf(response)).resourceType).toBe('OperationOutcome');
    });

    it('POST /admin without the admin token: 401 invalid_token, while the body is still unsent', async () => {
      const host = new URL(server.baseUrl).host;
      const { response } = await rawExchange(
        server,
        `POST /admin/clients HTTP/1.1\nHost: ${host}\nAuthorization: Bearer wrong-${ADMIN_TOKEN}\nContent-Type: application/json\nContent-Length: ${FOUR_MB}\n`,
        partial,
        5_000,
      );
      expect(statusOf(response)).toBe(401);
      expect(response).toMatch(/\r\nwww-authenticate: Bearer realm="smart-auth-admin", error="invalid_token"/i);
      expect(JSON.parse(bodyOf(response))).toEqual({ error: 'invalid_token', error_description: 'A valid admin token is required' });
    });

    it.each([
      ['/%66hir/Observation', 'application/fhir+json'],
      ['/%61dmin/clients', 'application/json'],
    ])('a percent-encoded prefix (%s, which the router decodes) is refused before the body too', async (path, type) => {
      const host = new URL(server.baseUrl).host;
      const { response } = await rawExchange(
        server,
        `POST ${path} HTTP/1.1\nHost: ${host}\nContent-Type: ${type}\nContent-Length: ${FOUR_MB}\n`,
        partial,
        5_000,
      );
      expect(statusOf(response)).toBe(401);
    });

    it('keeps the public FHIR paths open and serves authenticated requests as before', async () => {
      expect((await fetch(`${server.baseUrl}/fhir/metadata`)).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/fhir/.well-known/smart-configuration`)).status).toBe(200);
      const token = await mintAccessToken(server, { scope: 'system/Patient.rs' });
      expect((await fetch(`${server.baseUrl}/fhir/Patient`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/admin/clients`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    });
  });

  describe('FhirAuthModule in another resource server: a percent-encoded base is still under the base', () => {
    @Controller('fhir')
    class UndeclaredController {
      @Get('undeclared')
      undeclared(): string {
        return 'must never be served';
      }
    }

    it('refuses /%66hir/undeclared like /fhir/undeclared: 401 without a token, 403 (default deny) with one', async () => {
      @Module({
        imports: [
          FhirAuthModule.forRoot({
            issuer: server.baseUrl,
            audience: server.fhirBaseUrl,
            jwksUri: `${server.baseUrl}/.well-known/jwks.json`,
          }),
        ],
        controllers: [UndeclaredController],
      })
      class ResourceServerModule {}
      const app = await NestFactory.create<NestFastifyApplication>(ResourceServerModule, new FastifyAdapter(), { logger: false });
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      try {
        const token = await mintAccessToken(server, { scope: 'system/*.cruds' });
        for (const path of ['/fhir/undeclared', '/%66hir/undeclared']) {
          expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(401);
          const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${token}` } });
          expect(response.status).toBe(403);
          expect(await response.text()).not.toContain('must never be served');
        }
      } finally {
        await app.close();
      }
    });
  });

  describe('a body that trickles in is cut off (REQUEST_TIMEOUT)', () => {
    let slow: TestApp;

    beforeAll(async () => {
      slow = await startTestApp({ REQUEST_TIMEOUT: '1s', REGISTRATION_POLICY: 'open' });
    });

    afterAll(async () => {
      await slow.close();
    });

    it('answers 408 and closes the connection when the body keeps trickling past the timeout', async () => {
      const host = new URL(slow.baseUrl).host;
      const started = performance.now();
      const { response, closed } = await rawExchange(
        slow,
        `POST /register HTTP/1.1\nHost: ${host}\nContent-Type: application/json\nContent-Length: 50000\n`,
        '{"client_name":"',
        8_000,
        { everyMs: 100 },
      );
      expect(closed || statusOf(response) === 408).toBe(true);
      expect(statusOf(response)).toBe(408);
      expect(performance.now() - started).toBeLessThan(6_000);
      // The server itself is fine.
      expect((await fetch(`${slow.baseUrl}/health`)).status).toBe(200);
    });
  });

  describe('deeply nested JSON is 400, not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`;
    // /register refuses bodies over 64 KiB first (413); under that limit the depth check must still answer.
    const deepUnderRegisterLimit = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;

    it('at /admin: 400 invalid_request', async () => {
      for (const body of [deep, deepObject]) {
        const response = await fetch(`${server.baseUrl}/admin/clients`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
          body,
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
      }
    });

    it('at /register: 400 invalid_client_metadata', async () => {
      const response = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: `{"client_name":"x","jwks":${deepUnderRegisterLimit}}`,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata');
    });

    it('under /fhir (application/fhir+json and application/json): 400 OperationOutcome', async () => {
      const token = await mintAccessToken(server, { scope: 'system/*.cruds' });
      for (const type of ['application/fhir+json', 'application/json']) {
        const response = await fetch(`${server.baseUrl}/fhir/Observation`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
          body: `{"resourceType":"Observation","extension":${deep}}`,
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      }
    });

    it('accepts nesting within the limit', async () => {
      const nested = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`;
      const response = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: `{"client_name":"nested","redirect_uris":["https://nested.example.org/cb"],"software_statement_x":${nested}}`,
      });
      expect(response.status).toBe(201);
    });
  });

  describe('NUL and unpaired surrogates at /register', () => {
    it.each([
      ['a NUL in client_name', '{"client_name":"a\\u0000b","redirect_uris":["https://nul.example.org/cb"]}'],
      ['an unpaired high surrogate in client_name', '{"client_name":"a\\ud800b","redirect_uris":["https://sur.example.org/cb"]}'],
      ['an unpaired low surrogate in a redirect URI', '{"client_name":"ok","redirect_uris":["https://sur.example.org/\\udc00"]}'],
      ['a NUL in a member name', '{"client_name":"ok","redirect_uris":["https://nul.example.org/cb"],"x\\u0000":1}'],
    ])('%s: 400 invalid_client_metadata', async (_label, body) => {
      const response = await fetch(`${server.baseUrl}/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata');
    });

    it('still accepts a paired surrogate (an emoji) in client_name', async () => {
      const response = await fetch(`${server.baseUrl}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"client_name":"app \\ud83d\\ude00","redirect_uris":["https://emoji.example.org/cb"]}',
      });
      expect(response.status).toBe(201);
      expect(((await response.json()) as { client_name: string }).client_name).toBe('app 😀');
    });
  });

  describe('raw `..` under /static', () => {
    it.each([
      '/static/../package.json',
      '/static/%2e%2e/package.json',
      '/static/./app.css',
      '/static//app.css',
      '/%73tatic/../package.json',
    ])('%s is 404', async (path) => {
      const host = new URL(server.baseUrl).host;
      const { response } = await rawExchange(server, `GET ${path} HTTP/1.1\nHost: ${host}\nConnection: close\n`, '', 5_000);
      expect(statusOf(response)).toBe(404);
    });

    it('still serves the stylesheet', async () => {
      expect((await fetch(`${server.baseUrl}/static/app.css`)).status).toBe(200);
    });
  });

  describe('a JSON content type without a body', () => {
    it('is not a parse error on DELETE or GET', async () => {
      const json = { 'Content-Type': 'application/json' };
      const listed = await fetch(`${server.baseUrl}/admin/clients`, { headers: { ...json, Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(listed.status).toBe(200);
      const registered = (await (
        await fetch(`${server.baseUrl}/register`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ client_name: 'to delete', redirect_uris: ['https://del.example.org/cb'] }),
        })
      ).json()) as { client_id: string; registration_access_token: string };
      const read = await fetch(`${server.baseUrl}/register/${registered.client_id}`, {
        headers: { ...json, Authorization: `Bearer ${registered.registration_access_token}` },
      });
      expect(read.status).toBe(200);
      const deleted = await fetch(`${server.baseUrl}/register/${registered.client_id}`, {
        method: 'DELETE',
        headers: { ...json, Authorization: `Bearer ${registered.registration_access_token}` },
      });
      expect(deleted.status).toBe(204);
    });
  });

  describe('CR/LF or non-Latin-1 text in /login authorization_request', () => {
    it.each([
      ['CR/LF', 'client_id=x\r\nSet-Cookie: planted=1'],
      ['non-Latin-1 text', 'client_id=\u4e2d'],
    ])('%s: 400 sign-in page, and nobody is signed in', async (_label, authorizationRequest) => {
      const { username, password } = await createUser(server, 'practitioner', 'Practitioner/p-1');
      const jar = new CookieJar();
      const page = await fetch(`${server.baseUrl}/login`);
      jar.store(page);
      const form = parseForms(await page.text()).find((candidate) => candidate.action === '/login');
      const csrf = form?.inputs.find((input) => input.name === 'csrf_token')?.value as string;
      const response = await fetch(`${server.baseUrl}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: jar.header() },
        body: new URLSearchParams({ username, password, csrf_token: csrf, authorization_request: authorizationRequest }).toString(),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('The sign-in request was malformed');
      expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('smart_auth_session='))).toBe(false);
      expect(response.headers.get('location')).toBeNull();
    });
  });
});
