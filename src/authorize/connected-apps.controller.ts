import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { PageError } from '../common/html/page.error';
import { GrantsService } from '../grants/grants.service';
import { describeScope, parseScopes } from '../scopes';
import { BrowserSessionService } from './browser-session.service';
import { seeOther, sendPage } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { ROUTES } from '../common/http/routes';

// SMART App Launch 2.2 §Conformance: management_endpoint, where users see which apps have access and revoke it (ONC
// (g)(10) token revocation test 9.3).
@ApiExcludeController()
@Controller(ROUTES.connectedApps)
export class ConnectedAppsController {
  constructor(
    private readonly sessions: BrowserSessionService,
    private readonly grants: GrantsService,
    private readonly clients: ClientsService,
  ) {}

  @Get()
  async list(@Query('revoked') revoked: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.sessions.current(request);
    if (!signedIn) return seeOther(reply, '/login?return_to=/apps');
    const grants = await this.grants.listForUser(signedIn.user.id);
    const rows = await Promise.all(
      grants.map(async (grant) => ({
        id: grant.id,
        clientName: (await this.clients.findById(grant.clientId))?.name ?? grant.clientId,
        since: grant.createdAt.toISOString().slice(0, 10),
        scopes: parseScopes(grant.scope).scopes.map(describeScope),
      })),
    );
    sendPage(reply, 'apps', 'Connected apps', {
      userName: signedIn.user.displayName,
      csrfToken: signedIn.csrfToken,
      grants: rows,
      revoked: revoked === '1',
    });
  }

  @Post('revoke')
  async revoke(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signedIn = await this.sessions.current(request);
    if (!signedIn) return seeOther(reply, '/login?return_to=/apps');
    if (!this.sessions.sessionCsrfValid(signedIn, body?.csrf_token))
      throw new PageError(403, 'Form expired', 'This form is no longer valid. Reload the page and try again.');
    const revoked = await this.grants.revoke(field(body?.grant_id) ?? '', signedIn.user.id, request.ip ?? null);
    if (!revoked) throw new PageError(404, 'Not found', 'That app connection does not exist or was already revoked.');
    seeOther(reply, '/apps?revoked=1');
  }
}
