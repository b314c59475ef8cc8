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
import { FhirIdentifierLookup } from './fhir-identifier.lookup';
import { FHIR_BACKEND, FhirBackend } from './fhir-response';
import { FhirGatewayService } from './gateway/fhir-gateway.service';
import { UpstreamFhirClient } from './gateway/upstream-fhir.client';
import { FhirResourceRepository } from './store/fhir-resource.repository';
import { FhirStoreSearch } from './store/fhir-store.search';
import { FhirStoreService } from './store/fhir-store.service';
import { FhirWriteValidator } from './validation/fhir-write.validator';
import { MAX_JSON_DEPTH } from './validation/json-safety';
import { DiscoveryModule } from '../discovery/discovery.module';
import { PatientPickerRepository } from './store/patient-picker.repository';

// FHIR R4 http.html#mime-type: FHIR JSON and RFC 6902 patches are JSON bodies.
const JSON_CONTENT_TYPES = ['application/fhir+json', 'application/json-patch+json'];

const MAX_FHIR_BODY_DEPTH = MAX_JSON_DEPTH + 8;

@Module({
  imports: [DiscoveryModule, FhirAuthModule.forThisServer()],
  controllers: [FhirController],
  providers: [
    PatientPickerRepository,
    FhirResourceRepository,
    FhirStoreSearch,
    FhirStoreService,
    FhirWriteValidator,
    UpstreamFhirClient,
    FhirGatewayService,
    FhirBatchService,
    FhirDemoSeeder,
    FhirIdentifierLookup,
    {
      provide: FHIR_BACKEND,
      inject: [AppConfig, FhirStoreService, FhirGatewayService],
      useFactory: (config: AppConfig, store: FhirStoreService, gateway: FhirGatewayService): FhirBackend =>
        config.fhirUpstreamUrl ? gateway : store,
    },
  ],
  exports: [FhirDemoSeeder, FhirResourceRepository, PatientPickerRepository, FhirIdentifierLookup],
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
      // A resource may nest 64 levels (FhirWriteValidator); a Bundle entry or patch operation adds a few.
      if (fastify) registerJsonBodyParser(fastify, type, MAX_FHIR_BODY_DEPTH);
    }
    this.discovery.contribute('fhir', fhirCapabilities(this.backend.mode));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.seedDemoData && this.backend.mode === 'store') await this.seeder.seed();
  }
}
