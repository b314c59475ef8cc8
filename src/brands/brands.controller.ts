import { Controller, Get, Headers, NotFoundException, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { BrandsService } from './brands.service';
import { ROUTES } from '../common/http/routes';

// SMART 2.2 brands: public, cacheable, CORS-open (src/common/http/cors-policy.ts lists /brands.json).
// 404 while no brand is configured; the SMART configuration then omits user_access_brand_bundle.
@ApiTags('discovery')
@Controller()
export class BrandsController {
  constructor(private readonly brands: BrandsService) {}

  @Get(ROUTES.brands)
  @ApiOkResponse({ description: 'SMART App Launch 2.2 User Access Brands Bundle (Organization + Endpoint)' })
  @ApiNotFoundResponse({ description: 'No brand is configured' })
  bundle(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    const brand = this.brands.current();
    if (!brand) throw new NotFoundException('No user-access brand is configured');
    reply.header('Cache-Control', 'public, max-age=300').header('ETag', brand.etag);
    if (ifNoneMatch?.split(',').some((tag) => tag.trim() === brand.etag)) {
      reply.status(304).send();
      return;
    }
    reply.header('Content-Type', 'application/fhir+json; charset=utf-8').status(200).send(brand.body);
  }
}
