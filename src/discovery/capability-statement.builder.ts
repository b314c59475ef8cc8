import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry } from './discovery-registry';

const SMART_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
// SMART App Launch 1.0 §Conformance: capabilities may also be listed in the CapabilityStatement.
const CAPABILITIES_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities';

// FHIR R4 CapabilityStatement with the SMART security service and oauth-uris extension (SMART App Launch 2.2
// §Conformance: deprecated in 2.x, kept for SMART 1.0 clients).
@Injectable()
export class CapabilityStatementBuilder {
  private readonly date = new Date().toISOString();

  constructor(
    private readonly registry: DiscoveryRegistry,
    private readonly config: AppConfig,
  ) {}

  build(): Record<string, unknown> {
    const merged = this.registry.merged();
    const uris: Array<[string, string | undefined]> = [
      ['authorize', merged.endpoints.authorization_endpoint],
      ['token', merged.endpoints.token_endpoint],
      ['register', merged.endpoints.registration_endpoint],
      ['manage', merged.endpoints.management_endpoint],
      ['introspect', merged.endpoints.introspection_endpoint],
      ['revoke', merged.endpoints.revocation_endpoint],
    ];
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: this.date,
      kind: 'instance',
      software: { name: 'smart-auth' },
      implementation: { description: 'smart-auth FHIR endpoint', url: this.config.fhirBaseUrl },
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [
        {
          mode: 'server',
          security: {
            cors: true,
            service: [
              {
                coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
                text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
              },
            ],
            extension: [
              {
                url: SMART_EXTENSION,
                extension: uris
                  .filter((entry): entry is [string, string] => Boolean(entry[1]))
                  .map(([url, path]) => ({ url, valueUri: this.config.url(path) })),
              },
              ...merged.capabilities.map((valueCode) => ({ url: CAPABILITIES_EXTENSION, valueCode })),
            ],
          },
          resource: merged.fhirResources.map((resource) => ({
            type: resource.type,
            interaction: resource.interaction.map((code) => ({ code })),
            searchParam: resource.searchParam,
          })),
          interaction: merged.fhirSystemInteractions.map((code) => ({ code })),
        },
      ],
    };
  }
}
