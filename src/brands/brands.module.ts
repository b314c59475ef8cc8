import { Module } from '@nestjs/common';
import { AdminBrandController } from './admin-brand.controller';
import { BrandsController } from './brands.controller';
import { BrandsService } from './brands.service';
import { DiscoveryModule } from '../discovery/discovery.module';

// Issue 15.6: SMART App Launch 2.2 User-access Brands.
@Module({ imports: [DiscoveryModule],
  controllers: [BrandsController, AdminBrandController],
  providers: [BrandsService],
  exports: [BrandsService],
})
export class BrandsModule {}
