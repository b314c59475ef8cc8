import { Module } from '@nestjs/common';
import { MfaModule } from '../mfa';
import { DemoSeedService } from './demo-seed.service';
import { ClientsModule } from '../clients/clients.module';

@Module({ imports: [ClientsModule, MfaModule], providers: [DemoSeedService], exports: [DemoSeedService] })
export class SeedModule {}
