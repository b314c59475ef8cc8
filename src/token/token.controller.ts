import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { TokenRequestPipeline } from './token-request.pipeline';
import { TokenResponseBody } from './token-response';
import { ROUTES } from '../common/http/routes';

@ApiTags('oauth')
@Controller()
export class TokenController {
  constructor(private readonly pipeline: TokenRequestPipeline) {}

  @Post(ROUTES.token)
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'OAuth 2.0 token endpoint (authorization_code, refresh_token, client_credentials)' })
  token(@Req() request: FastifyRequest): Promise<TokenResponseBody> {
    return this.pipeline.run(request);
  }
}
