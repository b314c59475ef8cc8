import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JSONWebKeySet } from 'jose';
import { KeysService } from './keys.service';
import { ROUTES } from '../common/http/routes';

@ApiTags('discovery')
@Controller()
export class JwksController {
  constructor(private readonly keys: KeysService) {}

  @Get(ROUTES.jwks)
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({ description: 'Public signing keys (RS256 for id_tokens, ES256 for access tokens)' })
  jwks(): JSONWebKeySet {
    return this.keys.jwks();
  }
}
