import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { AuditModule } from '../audit/audit.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { ClientsModule } from '../clients/clients.module';
import { MfaModule, SecondFactorRegistry } from '../mfa';
import { AdminPasskeysController } from './admin-passkeys.controller';
import { registerPasskeyBodyLimit } from './passkey-body-limit.hook';
import { PasskeyAuthenticationService } from './passkey-authentication.service';
import { PasskeyChallengesService } from './passkey-challenges.service';
import { PasskeyCredentialsRepository } from './passkey-credentials.repository';
import { PasskeyEnrolmentController } from './passkey-enrolment.controller';
import { PasskeyRegistrationService } from './passkey-registration.service';
import { PasskeySecondFactorController } from './passkey-second-factor.controller';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { PasskeysService } from './passkeys.service';
import { RelyingPartyService } from './relying-party.service';

/**
 * Passkeys and security keys (WebAuthn Level 3) for local users: enrolment at /account/passkeys, passwordless
 * sign-in at /login/passkey, a second factor after the password (/login/two-factor/passkey, registered as the
 * `passkey` kind with MfaModule's SecondFactorRegistry), an admin API, and PasskeysService. Browser sessions
 * and the sign-in throttle come from AuthorizeModule, users from ClientsModule.
 */
@Module({
  imports: [AuthorizeModule, ClientsModule, AuditModule, MfaModule],
  controllers: [PasskeyEnrolmentController, PasskeySignInController, PasskeySecondFactorController, AdminPasskeysController],
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
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: SecondFactorRegistry,
    private readonly passkeys: PasskeysService,
  ) {}

  onModuleInit(): void {
    // A person with a passkey gets the second step after their password, and counts as enrolled for
    // MFA_REQUIRED_ROLES (a passkey is a multi-factor cryptographic authenticator, NIST SP 800-63B §5.1.9).
    this.registry.register({
      kind: 'passkey',
      isEnrolled: (userId) => this.passkeys.hasPasskeys(userId),
      removeAll: (userId) => this.passkeys.removeAll(userId),
    });
    // No HTTP adapter in a bare application context (CLI).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerPasskeyBodyLimit(fastify);
  }
}
