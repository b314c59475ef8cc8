import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/configure-app';
import { freePort } from '../../src/database/embedded-postgres';
import { fastifyOptions } from '../../src/fastify-options';

export interface TestApp {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:41234 — also the issuer (PUBLIC_URL). */
  baseUrl: string;
  fhirBaseUrl: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Host name of the issuer (PUBLIC_URL); the server still listens on 127.0.0.1. WebAuthn refuses an IP address
   * as RP ID, so passkey tests use `localhost`.
   */
  hostname?: 'localhost';
}

/**
 * Boots the real AppModule through configureApp(), listening on a real port, against the e2e database.
 * `env` overrides environment variables for this instance only (e.g. REGISTRATION_POLICY); `providers` replaces
 * providers by token (e.g. a Clock a test advances, shorter outbound-fetch limits).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  providers: Array<{ provide: unknown; useValue: unknown }> = [],
  options: TestAppOptions = {},
): Promise<TestApp> {
  const port = await freePort();
  const baseUrl = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
  const saved = { ...process.env };
  Object.assign(
    process.env,
    { NODE_ENV: 'test', PUBLIC_URL: baseUrl, PORT: String(port), SEED_DEMO_DATA: 'false', LOG_LEVEL: 'silent' },
    env,
  );
  try {
    const module = AppModule.forRoot(process.env.DATABASE_URL as string);
    const options = { logger: false as const, abortOnError: false };
    let app: NestFastifyApplication;
    if (providers.length === 0) {
      app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(fastifyOptions()), options);
    } else {
      const builder = Test.createTestingModule({ imports: [module] });
      for (const { provide, useValue } of providers) builder.overrideProvider(provide).useValue(useValue);
      app = (await builder.compile()).createNestApplication<NestFastifyApplication>(new FastifyAdapter(fastifyOptions()), options);
    }
    await configureApp(app);
    await app.listen(port, '127.0.0.1');
    return { app, baseUrl, fhirBaseUrl: `${baseUrl}/fhir`, close: () => app.close() };
  } finally {
    process.env = saved;
  }
}
