import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../common/oauth/errors';
import { singleValuedParams } from '../token';
import { IntrospectionCallerService } from './introspection-caller.service';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';
import { TokenRevocationService } from './token-revocation.service';

@ApiTags('oauth')
@Controller()
export class IntrospectionController {
  constructor(
    private readonly callers: IntrospectionCallerService,
    private readonly introspection: IntrospectionService,
    private readonly revocations: TokenRevocationService,
  ) {}

  @Post('introspect')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'RFC 7662 token introspection (client authentication or a bearer token with __introspect or system/*.rs)' })
  async introspect(@Req() request: FastifyRequest): Promise<IntrospectionResponse> {
    const body = singleValuedParams(request.body);
    const caller = await this.callers.identify(request, body, 'introspection');
    if (!body.token) throw new InvalidRequestError('token is required');
    return this.introspection.introspect(body.token, caller);
  }

  @Post('revoke')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'RFC 7009 token revocation' })
  async revoke(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = singleValuedParams(request.body);
    const client = await this.callers.authenticateClient(request, body, 'revocation');
    if (!body.token) throw new InvalidRequestError('token is required');
    await this.revocations.revoke(body.token, client, request.ip ?? null);
    // RFC 7009 §2.2: 200 whether or not the token was known.
    reply.status(200).send();
  }
}
