import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { DpopModule } from '../dpop/dpop.module';
import { AccessTokensModule } from '../access-tokens';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';

@Module({
  imports: [AccessTokensModule.forThisServer(), DpopModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('userinfo', { endpoints: { userinfo_endpoint: '/userinfo' } });
  }
}
