import { Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { UserinfoService } from './userinfo.service';

// OIDC Core §5.3.1: GET and POST; the access token as a bearer token (RFC 6750 §2.1), no-store like /token.
@ApiTags('oauth')
@Controller('userinfo')
export class UserinfoController {
  constructor(private readonly userinfo: UserinfoService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'OpenID Connect userinfo (bearer access token with openid)' })
  get(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.userinfo.claims(bearer(request));
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'OpenID Connect userinfo (bearer access token with openid)' })
  post(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.userinfo.claims(bearer(request));
  }
}

/** The bearer token from the Authorization header; undefined when no credentials were sent at all. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header)?.[1];
  // RFC 6750 §3.1: credentials that are not a well-formed bearer token are an invalid token.
  return token ?? '';
}
