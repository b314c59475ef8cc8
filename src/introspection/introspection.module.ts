import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { AccessTokensModule } from '../access-tokens';
import { TokenModule } from '../token';
import { IntrospectionCallerService } from './introspection-caller.service';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';
import { TokenRevocationService } from './token-revocation.service';

@Module({
  imports: [TokenModule, AccessTokensModule.forThisServer()],
  controllers: [IntrospectionController],
  providers: [IntrospectionCallerService, IntrospectionService, TokenRevocationService],
})
export class IntrospectionModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('introspection', {
      endpoints: { introspection_endpoint: '/introspect', revocation_endpoint: '/revoke' },
    });
  }
}
