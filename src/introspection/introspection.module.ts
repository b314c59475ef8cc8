import { Module, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { AccessTokensModule } from '../access-tokens';
import { TokenModule } from '../token';
import { IntrospectionCallerService } from './introspection-caller.service';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';
import { RevocationEndpointService } from './revocation-endpoint.service';
import { AuditModule } from '../audit/audit.module';
import { ClientsModule } from '../clients/clients.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { RevocationModule } from '../revocation/revocation.module';
import { ROUTES } from '../common/http/routes';

@Module({
  imports: [AuditModule, ClientsModule, DiscoveryModule, RevocationModule, TokenModule, AccessTokensModule.forThisServer()],
  controllers: [IntrospectionController],
  providers: [Clock, IntrospectionCallerService, IntrospectionService, RevocationEndpointService],
})
export class IntrospectionModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('introspection', {
      endpoints: { introspection_endpoint: ROUTES.introspect, revocation_endpoint: ROUTES.revoke },
    });
  }
}
