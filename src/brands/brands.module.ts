import { Module } from '@nestjs/common';
import { AdminBrandController } from './admin-brand.controller';
import { BrandsController } from './brands.controller';
import { BrandsService } from './brands.service';
import { DiscoveryModule } from '../discovery/discovery.module';
import { AuditModule } from '../audit/audit.module';

// SMART App Launch 2.2 User-access Brands (brands.html): the operator's brand and endpoint, published as a Bundle.
@Module({
  imports: [AuditModule, DiscoveryModule],
  controllers: [BrandsController, AdminBrandController],
  providers: [BrandsService],
  exports: [BrandsService],
})
export class BrandsModule {}
