import { Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { PresentedToken, UserinfoService } from './userinfo.service';
import { ROUTES } from '../common/http/routes';

// OIDC Core §5.3.1: GET and POST; the access token as a bearer token (RFC 6750 §2.1), no-store like /token.
@ApiTags('oauth')
@Controller(ROUTES.userinfo)
export class UserinfoController {
  constructor(private readonly userinfo: UserinfoService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'OpenID Connect userinfo (bearer access token with openid)' })
  get(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.userinfo.claims(presented(request));
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'OpenID Connect userinfo (bearer access token with openid)' })
  post(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.userinfo.claims(presented(request));
  }
}

/**
 * The access token of the Authorization header (RFC 6750 §2.1 Bearer, or RFC 9449 §7.1 DPoP with its proof);
 * undefined when no credentials were sent at all.
 */
function presented(request: FastifyRequest): PresentedToken | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  // RFC 6750 §3.1: credentials that are not a well-formed token are an invalid token.
  if (!match) return { scheme: 'bearer', token: '', method: request.method };
  return {
    scheme: match[1].toLowerCase() as PresentedToken['scheme'],
    token: match[2],
    proof: request.headers.dpop,
    method: request.method,
  };
}
