'use strict';

// The FHIR read of smart-auth without its scope guard, to price the guard: the same compiled store
// (FhirStoreService.read), repository, database, logging and configureApp() (helmet, CORS, filters), but a
// route with no FhirScopeGuard and a fixed system/*.rs context. Environment as for dist/src/main.js
// (DATABASE_URL, PORT, PUBLIC_URL, LOG_LEVEL). Bench-only; never part of the server.
require('reflect-metadata');
const { join } = require('node:path');
const { Controller, Get, Inject, Module, Param, Res } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

const dist = (path) => require(join(__dirname, '..', '..', 'dist', 'src', path));
const { ConfigModule } = dist('config/config.module');
const { AppConfig } = dist('config/app-config');
const { LoggingModule } = dist('common/logging/logging.module');
const { HttpModule } = dist('common/http/http.module');
const { DatabaseModule } = dist('database/database.module');
const { configureApp } = dist('configure-app');
const { fastifyOptions } = dist('fastify-options');
const { FhirAccessPolicy, FHIR_AUTH_OPTIONS } = dist('fhir-auth');
const { FhirResourceRepository } = dist('fhir/store/fhir-resource.repository');
const { FhirStoreSearch } = dist('fhir/store/fhir-store.search');
const { FhirStoreService } = dist('fhir/store/fhir-store.service');
const { FhirWriteValidator } = dist('fhir/validation/fhir-write.validator');
const { sendFhir } = dist('fhir/fhir-request');
const { parseScopes } = dist('scopes');

const CONTEXT = { clientId: 'bench', subject: 'bench', scopes: parseScopes('system/*.rs').scopes, jti: 'bench', expiresAt: 4102444800 };

class UnguardedFhirController {
  constructor(store) {
    this.store = store;
  }

  async read(type, id, reply) {
    sendFhir(reply, await this.store.read(CONTEXT, type, id));
  }
}
Inject(FhirStoreService)(UnguardedFhirController, undefined, 0);
Controller('fhir')(UnguardedFhirController);
const read = Object.getOwnPropertyDescriptor(UnguardedFhirController.prototype, 'read');
Param('type')(UnguardedFhirController.prototype, 'read', 0);
Param('id')(UnguardedFhirController.prototype, 'read', 1);
Res()(UnguardedFhirController.prototype, 'read', 2);
Get(':type/:id')(UnguardedFhirController.prototype, 'read', read);

async function main() {
  class UnguardedFhirModule {}
  Module({
    imports: [ConfigModule, LoggingModule, HttpModule, DatabaseModule.forUrl(process.env.DATABASE_URL)],
    controllers: [UnguardedFhirController],
    providers: [
      FhirResourceRepository,
      FhirStoreSearch,
      FhirStoreService,
      FhirWriteValidator,
      FhirAccessPolicy,
      {
        provide: FHIR_AUTH_OPTIONS,
        inject: [AppConfig],
        useFactory: (config) => ({ issuer: config.issuer, audience: config.fhirBaseUrl }),
      },
    ],
  })(UnguardedFhirModule);
  const app = await NestFactory.create(UnguardedFhirModule, new FastifyAdapter(fastifyOptions()), { bufferLogs: true });
  await configureApp(app);
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  const stop = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
