import { Controller, Get, Module } from '@nestjs/common';
import { mintAccessToken } from '../utils/mint-token';
import { startTestApp, TestApp } from '../utils/test-app';

describe('operability and error handling', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${server.baseUrl}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('answers unknown routes with a JSON 404, and an OperationOutcome under /fhir', async () => {
    const plain = await fetch(`${server.baseUrl}/no/such/route`);
    expect(plain.status).toBe(404);
    expect(await plain.json()).toMatchObject({ error: 'not_found' });
    // Under /fhir the token is checked before anything else (no anonymous body parsing), so only a caller with one learns
    // that a route does not exist.
    const anonymous = await fetch(`${server.baseUrl}/fhir/no/such/route`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ resourceType: 'OperationOutcome' });
    const token = await mintAccessToken(server, { scope: 'system/*.rs' });
    const fhir = await fetch(`${server.baseUrl}/fhir/no/such/route`, { headers: { Authorization: `Bearer ${token}` } });
    expect(fhir.status).toBe(404);
    expect(await fhir.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('sets security headers', async () => {
    const response = await fetch(`${server.baseUrl}/health`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the OpenAPI document at /docs', async () => {
    const response = await fetch(`${server.baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/.well-known/jwks.json');
  });
});

@Controller('boom')
class BoomController {
  @Get()
  boom(): never {
    throw new Error('database password is hunter2 at /srv/app/secret.ts:12');
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

describe('unexpected errors', () => {
  it('become {"error":"server_error"} with no stack or message', async () => {
    const { Test } = await import('@nestjs/testing');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { AppModule } = await import('../../src/app.module');
    const { configureApp } = await import('../../src/configure-app');
    process.env.LOG_LEVEL = 'silent';
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(process.env.DATABASE_URL as string), BoomModule],
    }).compile();
    const app = moduleRef.createNestApplication<import('@nestjs/platform-fastify').NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/boom' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ error: 'server_error' });
      expect(response.body).not.toContain('hunter2');
    } finally {
      await app.close();
    }
  });
});
