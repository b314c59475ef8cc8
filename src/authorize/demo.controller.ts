import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { UsersService } from '../clients/users.service';
import { PageError } from '../common/html/page.error';
import { OAuthError } from '../common/oauth/errors';
import { AppConfig } from '../config/app-config';
import { BrowserSessionService } from './browser-session.service';
import { EhrLaunchService } from './ehr-launch.service';
import { seeOther, sendPage } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { PATIENT_DIRECTORY, PatientDirectory } from './patient-directory';
import { buildRedirectUrl } from '../common/oauth/redirect-url';

export const DEMO_APP_CLIENT_ID = 'demo-public-app';

// First-run pages: a home page, a demo EHR launcher and a demo SMART app, so the whole flow can be tried in a browser.
@ApiExcludeController()
@Controller()
export class DemoController {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
    private readonly ehrLaunch: EhrLaunchService,
    private readonly sessions: BrowserSessionService,
  ) {}

  @Get()
  home(@Res() reply: FastifyReply): void {
    // With DEMO_PAGES off the home page does not advertise pages that answer 404 (or demo passwords).
    sendPage(reply, 'home', 'Home', { demo: this.config.demoPages, fhirBaseUrl: this.config.fhirBaseUrl, issuer: this.config.issuer });
  }

  @Get('ehr')
  async launcher(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.requireDemo();
    const [users, clients, patients] = await Promise.all([this.users.list(), this.clients.list(), this.directory.searchPatients('', 50)]);
    sendPage(reply, 'ehr-launcher', 'Demo EHR launcher', {
      csrfToken: this.sessions.anonymousCsrfToken(request, reply),
      users: users.filter((user) => user.enabled && user.demo),
      patients,
      apps: clients.filter((client) => client.enabled && client.launchUrl),
    });
  }

  @Post('ehr')
  async launch(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.requireDemo();
    if (!this.sessions.anonymousCsrfValid(request, body?.csrf_token))
      throw new PageError(403, 'Form expired', 'Reload the launcher and try again.');
    const client = await this.clients.findEnabled(field(body?.client_id) ?? '');
    if (!client?.launchUrl) throw new PageError(400, 'Unknown app', 'Choose a registered app with a launch URL.');
    // The launcher signs its user in without a password, so it may name only the users the demo seed created.
    const username = field(body?.user) || undefined;
    const user = username === undefined ? null : await this.users.findByUsername(username);
    if (username !== undefined && !(user?.demo && user.enabled)) {
      throw new PageError(400, 'Unknown demo user', 'The demo EHR launcher launches only the demo users the seed created.');
    }
    try {
      const { launch } = await this.ehrLaunch.create('demo-ehr-launcher', {
        targetClientId: client.clientId,
        user: user?.username,
        patient: field(body?.patient) || undefined,
        encounter: field(body?.encounter) || undefined,
        intent: field(body?.intent) || undefined,
        needPatientBanner: true,
      });
      seeOther(reply, buildRedirectUrl(client.launchUrl, { iss: this.config.fhirBaseUrl, launch }));
    } catch (error) {
      if (error instanceof OAuthError) throw new PageError(400, 'Cannot launch', error.description ?? error.error);
      throw error;
    }
  }

  @Get(['demo-app', 'demo-app/launch', 'demo-app/callback'])
  demoApp(@Res() reply: FastifyReply): void {
    this.requireDemo();
    sendPage(reply, 'demo-app', 'Demo SMART app', { clientId: DEMO_APP_CLIENT_ID, fhirBaseUrl: this.config.fhirBaseUrl });
  }

  // Demo pages sign people in without a password: on only with demo data, and DEMO_PAGES=false turns them off.
  private requireDemo(): void {
    if (!this.config.demoPages) throw new PageError(404, 'Not found', 'There is no page at this address.');
  }
}
