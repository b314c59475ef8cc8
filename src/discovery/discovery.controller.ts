import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AssociatedEndpoints } from './associated-endpoints';
import { CapabilityStatementBuilder } from './capability-statement.builder';
import { SmartConfigurationBuilder } from './smart-configuration.builder';

// SMART App Launch 2.2 §Conformance (well-known URI): JSON whatever the Accept header says. CORS for these paths is
// opened in configure-app.
@ApiTags('discovery')
@Controller()
export class DiscoveryController {
  constructor(
    private readonly smart: SmartConfigurationBuilder,
    private readonly capabilityStatement: CapabilityStatementBuilder,
    private readonly associated: AssociatedEndpoints,
  ) {}

  @Get(['fhir/.well-known/smart-configuration', '.well-known/smart-configuration'])
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'SMART App Launch 2.2 configuration' })
  async smartConfiguration(): Promise<Record<string, unknown>> {
    const associated = await this.associated.list();
    // SMART 2.2 associated_endpoints: present only when there is something to list.
    return associated.length ? { ...this.smart.smartConfiguration(), associated_endpoints: associated } : this.smart.smartConfiguration();
  }

  @Get('.well-known/openid-configuration')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'OpenID Connect Discovery 1.0' })
  openidConfiguration(): Record<string, unknown> {
    return this.smart.openidConfiguration();
  }

  @Get('.well-known/oauth-authorization-server')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'RFC 8414 authorization server metadata' })
  authorizationServerMetadata(): Record<string, unknown> {
    return this.smart.openidConfiguration();
  }

  @Get('fhir/metadata')
  @Header('Content-Type', 'application/fhir+json; charset=utf-8')
  @ApiOkResponse({ description: 'FHIR R4 CapabilityStatement with SMART oauth-uris' })
  metadata(): Record<string, unknown> {
    return this.capabilityStatement.build();
  }
}
