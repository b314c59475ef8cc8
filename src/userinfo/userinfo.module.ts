import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { DpopModule } from '../dpop/dpop.module';
import { AccessTokensModule } from '../access-tokens';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';
import { ClientsModule } from '../clients/clients.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { ROUTES } from '../common/http/routes';

@Module({
  imports: [AccessTokensModule.forThisServer(), ClientsModule, DiscoveryModule, DpopModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('userinfo', { endpoints: { userinfo_endpoint: ROUTES.userinfo } });
  }
}
