import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OAuthExceptionFilter } from './common/oauth/oauth-exception.filter';
import { CorsPolicy } from './common/http/cors-policy';
import { AppConfig } from './config/app-config';

const PUBLIC_DIR = [join(__dirname, '..', 'public'), join(__dirname, '..', '..', 'public')].find((dir) => existsSync(dir));

/** Everything main.ts and the e2e tests both apply, so the two cannot drift. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));

  const frameAncestors = ["'self'", ...config.frameAncestors];
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors,
        // A consent form ends in a redirect to the app; form-action 'self' would block it in browsers.
        formAction: null,
        upgradeInsecureRequests: config.publicUrl.startsWith('https://') ? [] : null,
      },
    },
    // frame-ancestors governs framing; X-Frame-Options cannot express an allow-list.
    frameguard: config.frameAncestors.length ? false : { action: 'sameorigin' },
    hsts: config.publicUrl.startsWith('https://'),
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(fastifyCookie, {
    secret: config.cookieSecret ?? createHash('sha256').update(`smart-auth-cookie:${config.publicUrl}:${config.databaseUrl ?? 'embedded'}`).digest('hex'),
  });
  if (PUBLIC_DIR) await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', decorateReply: false });
  app.get(CorsPolicy).register(app.getHttpAdapter().getInstance());

  app.useGlobalFilters(new OAuthExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      transform: true,
      forbidUnknownValues: false,
      exceptionFactory: (errors) =>
        new BadRequestException(errors.flatMap((error) => Object.values(error.constraints ?? { [error.property]: `${error.property} is invalid` }))),
    }),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('smart-auth')
      .setDescription('SMART on FHIR authorization server (SMART App Launch 2.2)')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
