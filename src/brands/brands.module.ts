import { Module } from '@nestjs/common';
import { AdminBrandController } from './admin-brand.controller';
import { BrandsController } from './brands.controller';
import { BrandsService } from './brands.service';
import { DiscoveryModule } from '../discovery/discovery.module';

// SMART App Launch 2.2 User-access Brands (brands.html): the operator's brand and endpoint, published as a Bundle.
@Module({
  imports: [DiscoveryModule],
  controllers: [BrandsController, AdminBrandController],
  providers: [BrandsService],
  exports: [BrandsService],
})
export class BrandsModule {}
