import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { registerJsonBodyParser } from '../common/http/json-body.parser';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { FhirAuthModule } from '../fhir-auth';
import { FhirDemoSeeder } from './demo/fhir-demo.seeder';
import { fhirCapabilities } from './fhir-capabilities';
import { FhirBatchService } from './fhir-batch.service';
import { FhirController } from './fhir.controller';
import { FHIR_BACKEND, FhirBackend } from './fhir-response';
import { FhirGatewayService } from './gateway/fhir-gateway.service';
import { UpstreamFhirClient } from './gateway/upstream-fhir.client';
import { FhirResourceRepository } from './store/fhir-resource.repository';
import { FhirStoreSearch } from './store/fhir-store.search';
import { FhirStoreService } from './store/fhir-store.service';

// FHIR R4 http.html#mime-type: FHIR JSON and RFC 6902 patches are JSON bodies.
const JSON_CONTENT_TYPES = ['application/fhir+json', 'application/json-patch+json'];

@Module({
  imports: [FhirAuthModule.forThisServer()],
  controllers: [FhirController],
  providers: [
    FhirResourceRepository,
    FhirStoreSearch,
    FhirStoreService,
    UpstreamFhirClient,
    FhirGatewayService,
    FhirBatchService,
    FhirDemoSeeder,
    {
      provide: FHIR_BACKEND,
      inject: [AppConfig, FhirStoreService, FhirGatewayService],
      useFactory: (config: AppConfig, store: FhirStoreService, gateway: FhirGatewayService): FhirBackend => (config.fhirUpstreamUrl ? gateway : store),
    },
  ],
  exports: [FhirDemoSeeder, FhirResourceRepository],
})
export class FhirModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryRegistry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly seeder: FhirDemoSeeder,
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
  ) {}

  onModuleInit(): void {
    // No HTTP adapter in a bare application context (scripts); nothing to parse there.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    for (const type of JSON_CONTENT_TYPES) {
      if (fastify) registerJsonBodyParser(fastify, type);
    }
    this.discovery.contribute('fhir', fhirCapabilities(this.backend.mode));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.seedDemoData && this.backend.mode === 'store') await this.seeder.seed();
  }
}
