import { Module, OnModuleInit } from '@nestjs/common';
import { ResourceServersModule } from '../resource-servers/resource-servers.module';
import { AssociatedEndpoints } from './associated-endpoints';
import { CapabilityStatementBuilder } from './capability-statement.builder';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryRegistry } from './discovery-registry';
import { SmartConfigurationBuilder } from './smart-configuration.builder';

@Module({
  imports: [ResourceServersModule],
  controllers: [DiscoveryController],
  providers: [DiscoveryRegistry, SmartConfigurationBuilder, CapabilityStatementBuilder, AssociatedEndpoints],
  exports: [DiscoveryRegistry],
})
export class DiscoveryModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    // RFC 7636, SMART App Launch 2.2 §Considerations for PKCE Support: S256 only, never plain.
    this.registry.contribute('pkce', { codeChallengeMethods: ['S256'] });
  }
}
