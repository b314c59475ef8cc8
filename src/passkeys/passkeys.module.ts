import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { AuditModule } from '../audit/audit.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { ClientsModule } from '../clients/clients.module';
import { AdminPasskeysController } from './admin-passkeys.controller';
import { registerPasskeyBodyLimit } from './passkey-body-limit.hook';
import { PasskeyAuthenticationService } from './passkey-authentication.service';
import { PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyCredentialsRepository } from './passkey-credentials.repository';
import { PasskeyEnrolmentController } from './passkey-enrolment.controller';
import { PasskeyRegistrationService } from './passkey-registration.service';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { PasskeysService } from './passkeys.service';
import { RelyingPartyService } from './relying-party.service';

/**
 * Passkeys and security keys (WebAuthn Level 3) for local users: enrolment at /account/passkeys, passwordless
 * sign-in at /login/passkey, an admin API, and PasskeysService for the second-factor page. Browser sessions
 * and the sign-in throttle come from AuthorizeModule, users from ClientsModule.
 */
@Module({
  imports: [AuthorizeModule, ClientsModule, AuditModule],
  controllers: [PasskeyEnrolmentController, PasskeySignInController, AdminPasskeysController],
  providers: [
    RelyingPartyService,
    PasskeyChallengesService,
    PasskeyCredentialsRepository,
    PasskeyRegistrationService,
    PasskeyAuthenticationService,
    PasskeysService,
  ],
  exports: [PasskeysService],
})
export class PasskeysModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP adapter in a bare application context (CLI).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerPasskeyBodyLimit(fastify);
  }
}
