import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Ip, NotFoundException, Put } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { adminApi } from '../audit/audit.service';
import { BrandDto } from './brand.dto';
import { brandView } from './brand.view';
import { BrandsService, InvalidBrandError } from './brands.service';

@AdminRoute()
@Controller('admin/brand')
export class AdminBrandController {
  constructor(private readonly brands: BrandsService) {}

  @Get()
  @ApiOperation({ summary: 'Read the user-access brand (SMART 2.2 brands)' })
  async read(): Promise<Record<string, unknown>> {
    const brand = await this.brands.read();
    if (!brand) throw new NotFoundException('No user-access brand is configured');
    return brandView(brand);
  }

  @Put()
  @ApiOperation({ summary: 'Set the user-access brand; published at /brands.json and named in the SMART configuration' })
  async replace(@Body() dto: BrandDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    try {
      return brandView(await this.brands.save(dto, adminApi(ip)));
    } catch (error) {
      if (error instanceof InvalidBrandError) throw new BadRequestException(error.messages);
      throw error;
    }
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the brand: /brands.json answers 404 and discovery stops naming it' })
  async remove(@Ip() ip: string): Promise<void> {
    if (!(await this.brands.remove(adminApi(ip)))) throw new NotFoundException('No user-access brand is configured');
  }
}
