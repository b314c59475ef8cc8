import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { ClientAuthenticationService } from '../clients/authentication/client-authentication.service';
import { UnauthorizedClientError } from '../common/oauth/errors';
import { EhrLaunchService } from './ehr-launch.service';

@ApiTags('EHR launch')
@Controller()
export class LaunchController {
  constructor(
    private readonly authentication: ClientAuthenticationService,
    private readonly ehrLaunch: EhrLaunchService,
  ) {}

  @Post('launch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an EHR launch context; returns the opaque single-use launch value for the target app' })
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
