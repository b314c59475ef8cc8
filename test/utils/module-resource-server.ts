import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance } from 'fastify';
import { createIntrospector } from '../e2e/token-fixtures';
import { AppConfig } from '../../src/config/app-config';
import { freePort } from '../../src/database/embedded-postgres';
import { FhirAuthModule, FhirAuthOptions } from '../../src/fhir-auth';
import { FhirBatchService } from '../../src/fhir/fhir-batch.service';
import { FhirController } from '../../src/fhir/fhir.controller';
import { FHIR_BACKEND } from '../../src/fhir/fhir-response';
import { FhirGatewayService } from '../../src/fhir/gateway/fhir-gateway.service';
import { UpstreamFhirClient } from '../../src/fhir/gateway/upstream-fhir.client';
import { TestApp } from './test-app';

export interface ModuleResourceServer {
  fhirBaseUrl: string;
  close(): Promise<void>;
}

/**
 * Another NestJS resource server protected by FhirAuthModule.forRoot (README "Protecting another NestJS resource
 * server"), trusting `authServer`'s tokens through its JWKS or its /introspect. Behind the guard it serves the
 * real FHIR routes (FhirController) forwarding to `authServer`'s built-in store, so the scope matrix can run
 * against the module with exactly the same cases as against the built-in guard.
 */
export async function startModuleResourceServer(
  authServer: TestApp,
  mode: 'jwks' | 'introspection',
  upstreamAuthorization: string,
): Promise<ModuleResourceServer> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const options: FhirAuthOptions = {
    issuer: authServer.baseUrl,
    audience: authServer.fhirBaseUrl,
    realm: `${publicUrl}/fhir`,
    publicBaseUrl: `${publicUrl}/fhir`,
  };
  if (mode === 'jwks') options.jwksUri = `${authServer.baseUrl}/.well-known/jwks.json`;
  else {
    // A confidential client the operator allowed to introspect any token.
    const { clientId, clientSecret } = await createIntrospector(authServer);
    options.introspection = { url: `${authServer.baseUrl}/introspect`, clientId, clientSecret: clientSecret as string };
  }
  const config = new AppConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: publicUrl,
    PORT: String(port),
    FHIR_UPSTREAM_URL: authServer.fhirBaseUrl,
    FHIR_UPSTREAM_AUTHORIZATION: upstreamAuthorization,
  });

  @Module({
    imports: [FhirAuthModule.forRoot(options)],
    controllers: [FhirController],
    providers: [
      { provide: AppConfig, useValue: config },
      UpstreamFhirClient,
      FhirGatewayService,
      FhirBatchService,
      { provide: FHIR_BACKEND, useExisting: FhirGatewayService },
    ],
  })
  class ModuleResourceServerModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ModuleResourceServerModule, new FastifyAdapter(), { logger: false });
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  for (const type of ['application/fhir+json', 'application/json-patch+json']) {
    fastify.addContentTypeParser(type, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));
  }
  await app.listen(port, '127.0.0.1');
  return { fhirBaseUrl: `${publicUrl}/fhir`, close: () => app.close() };
}
