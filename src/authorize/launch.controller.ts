import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ClientAuthenticationService } from '../clients/authentication/client-authentication.service';
import { UnauthorizedClientError } from '../common/oauth/errors';
import { EhrLaunchService } from './ehr-launch.service';
import { ROUTES } from '../common/http/routes';

@ApiTags('EHR launch')
@Controller()
export class LaunchController {
  constructor(
    private readonly authentication: ClientAuthenticationService,
    private readonly ehrLaunch: EhrLaunchService,
  ) {}

  @Post(ROUTES.launch)
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an EHR launch context; returns the opaque single-use launch value for the target app' })
  @ApiBody({
    description: 'JSON or form-encoded; the caller authenticates as a client allowed to create launch contexts (docs/authorize.md)',
    schema: {
      type: 'object',
      required: ['target_client_id'],
      properties: {
        target_client_id: { type: 'string' },
        patient: { type: 'string', example: 'example-patient-1' },
        encounter: { type: 'string', example: 'example-encounter-1' },
        user: { type: 'string', description: 'username, Practitioner/x or an absolute fhirUser URL' },
        fhirContext: { type: 'array', items: { type: 'object' }, example: [{ reference: 'DiagnosticReport/123' }] },
        intent: { type: 'string' },
        need_patient_banner: { type: 'boolean' },
        smart_style_url: { type: 'string', format: 'uri' },
        tenant: { type: 'string' },
      },
    },
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { launch: { type: 'string' }, expires_in: { type: 'integer', example: 300 } } } })
  async create(
    @Body() body: Record<string, unknown>,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ launch: string; expires_in: number }> {
    const form = body && typeof body === 'object' && !Array.isArray(body) ? { ...body } : {};
    // With Basic or assertion authentication, `client_id` may name the target app; otherwise it names the EHR.
    const credentialsElsewhere = /^basic /i.test(String(headers.authorization ?? '')) || form.client_assertion !== undefined;
    const target = form.target_client_id ?? (credentialsElsewhere ? form.client_id : undefined);
    if (credentialsElsewhere) delete form.client_id;
    const { client } = await this.authentication.authenticate({ headers, body: form }, 'launch');
    if (!client.mayCreateLaunchContexts) throw new UnauthorizedClientError('This client may not create launch contexts');
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return this.ehrLaunch.create(client.clientId, {
      targetClientId: target,
      patient: form.patient,
      encounter: form.encounter,
      user: form.user,
      fhirContext: form.fhirContext ?? form.fhir_context,
      intent: form.intent,
      needPatientBanner: form.need_patient_banner,
      smartStyleUrl: form.smart_style_url,
      tenant: form.tenant,
    });
  }
}
