import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { DpopModule } from '../dpop/dpop.module';
import { IntrospectionModule } from '../introspection/introspection.module';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';
import { ClientsModule } from '../clients/clients.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { ROUTES } from '../common/http/routes';

@Module({
  imports: [ClientsModule, DiscoveryModule, IntrospectionModule, DpopModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('userinfo', { endpoints: { userinfo_endpoint: ROUTES.userinfo } });
  }
}
