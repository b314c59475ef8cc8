import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { InvalidRequestError } from '../common/oauth/errors';
import { singleValuedParams } from '../token';
import { IntrospectionCallerService } from './introspection-caller.service';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';
import { RevocationEndpointService } from './revocation-endpoint.service';
import { ROUTES } from '../common/http/routes';

@ApiTags('oauth')
@Controller()
export class IntrospectionController {
  constructor(
    private readonly callers: IntrospectionCallerService,
    private readonly introspection: IntrospectionService,
    private readonly revocations: RevocationEndpointService,
    private readonly audit: AuditService,
  ) {}

  @Post(ROUTES.introspect)
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'RFC 7662 token introspection (client authentication or a bearer token with __introspect or system/*.rs)' })
  async introspect(@Req() request: FastifyRequest): Promise<IntrospectionResponse> {
    const body = singleValuedParams(request.body);
    const caller = await this.callers.identify(request, body, 'introspection');
    if (!body.token) throw new InvalidRequestError('token is required');
    const result = await this.introspection.introspect(body.token, caller);
    // Who learned what about which token, stored before the answer (no row changes: a group commit).
    const detail = result.active ? { active: true, token_client_id: result.client_id, token_use: result.token_use } : { active: false };
    await this.audit.record({
      event: 'introspected',
      outcome: 'success',
      clientId: caller.clientId,
      userId: result.active ? (result.sub as string) : null,
      ip: request.ip ?? null,
      detail,
    });
    return result;
  }

  @Post(ROUTES.revoke)
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
