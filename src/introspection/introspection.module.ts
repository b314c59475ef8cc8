import { Module, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { TokenModule } from '../token/token.module';
import { IntrospectionCallerService } from './introspection-caller.service';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';
import { TokenRevocationService } from './token-revocation.service';

@Module({
  imports: [TokenModule],
  controllers: [IntrospectionController],
  providers: [Clock, IntrospectionCallerService, IntrospectionService, TokenRevocationService],
  exports: [IntrospectionService],
})
export class IntrospectionModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('introspection', {
      endpoints: { introspection_endpoint: '/introspect', revocation_endpoint: '/revoke' },
    });
  }
}
