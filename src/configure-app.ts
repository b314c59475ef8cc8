import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OAuthExceptionFilter } from './common/oauth/oauth-exception.filter';
import { CorsPolicy } from './common/http/cors-policy';
import { applyRequestTimeout } from './common/http/request-timeout';
import { registerSecurityHeaders } from './common/http/security-headers';
import { registerCanonicalStaticPaths } from './common/http/static-path.hook';
import { AppConfig } from './config/app-config';
import { AppLogger } from './common/logging/app-logger';

const PACKAGE_JSON = [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')].find((file) => existsSync(file));
const PUBLIC_DIR = [join(__dirname, '..', 'public'), join(__dirname, '..', '..', 'public')].find((dir) => existsSync(dir));

/** Everything main.ts and the e2e tests both apply, so the two cannot drift. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const config = app.get(AppConfig);
  app.useLogger(app.get(AppLogger));

  registerSecurityHeaders(app.getHttpAdapter().getInstance(), config);
  applyRequestTimeout(app.getHttpServer(), config.requestTimeout);
  await app.register(fastifyCookie, {
    // Outside production: processes sharing a DATABASE_URL derive the same secret; the embedded database has one process.
    secret:
      config.cookieSecret ??
      (config.databaseUrl
        ? createHash('sha256').update(`smart-auth-cookie:${config.databaseUrl}`).digest('hex')
        : randomBytes(32).toString('hex')),
  });
  if (PUBLIC_DIR) {
    registerCanonicalStaticPaths(app.getHttpAdapter().getInstance(), '/static/');
    await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', decorateReply: false });
  }
  app.get(CorsPolicy).register(app.getHttpAdapter().getInstance());

  app.useGlobalFilters(new OAuthExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      transform: true,
      forbidUnknownValues: false,
      exceptionFactory: (errors) =>
        new BadRequestException(
          errors.flatMap((error) => Object.values(error.constraints ?? { [error.property]: `${error.property} is invalid` })),
        ),
    }),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('smart-auth')
      .setDescription('SMART on FHIR authorization server (SMART App Launch 2.2)')
      .setVersion(packageVersion())
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** The API description carries the version of the package that is running. */
function packageVersion(): string {
  if (!PACKAGE_JSON) return 'unknown';
  const parsed = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}
