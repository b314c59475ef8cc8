import { Module } from '@nestjs/common';
import { DemoSeedService } from './demo-seed.service';
import { ClientsModule } from '../clients/clients.module';

@Module({ imports: [ClientsModule], providers: [DemoSeedService], exports: [DemoSeedService] })
export class SeedModule {}
