import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { SmartStyleService } from './smart-style.service';

@ApiTags('EHR launch')
@Controller()
export class SmartStyleController {
  constructor(private readonly style: SmartStyleService) {}

  @Get('smart-style.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'SMART style JSON referenced by smart_style_url' })
  get(@Res({ passthrough: true }) reply: FastifyReply): Readonly<Record<string, string>> {
    // Apps fetch it from the browser; the versioned URL can be cached for long (SMART App Launch 2.2 §SMART App Styling).
    reply.header('Access-Control-Allow-Origin', '*').header('Cache-Control', 'public, max-age=86400');
    return this.style.document;
  }
}
