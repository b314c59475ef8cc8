import { forwardRef, Module, OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthorizeModule } from '../authorize/authorize.module';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { Clock } from '../common/time/clock';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { ACR_VALUES_SUPPORTED } from './acr';
import { AdminFactorsController } from './admin-factors.controller';
import { MfaPages } from './mfa-pages';
import { PendingSignInService } from './pending-sign-in.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorController } from './second-factor.controller';
import { SecondFactorRegistry } from './second-factor.registry';
import { SecondFactorService } from './second-factor.service';
import { TotpService } from './totp.service';
import { TwoFactorAccountController } from './two-factor-account.controller';
import { DiscoveryModule } from '../discovery/discovery.module';

// Multi-factor sign-in for local users: TOTP (RFC 6238), recovery codes, the second step after the password,
// MFA_REQUIRED_ROLES and acr/acr_values (OIDC Core §2, §3.1.2.1). The sign-in pages and sessions come from
// AuthorizeModule, which in turn asks this module at sign-in and /authorize (hence forwardRef on both sides).
@Module({
  imports: [forwardRef(() => AuthorizeModule), AuditModule, ClientsModule, DiscoveryModule, KeysModule],
  controllers: [SecondFactorController, TwoFactorAccountController, AdminFactorsController],
  providers: [Clock, TotpService, RecoveryCodesService, PendingSignInService, SecondFactorRegistry, SecondFactorService, MfaPages],
  exports: [SecondFactorService, SecondFactorRegistry, PendingSignInService, TotpService],
})
export class MfaModule implements OnModuleInit {
  constructor(
    private readonly registry: SecondFactorRegistry,
    private readonly totp: TotpService,
    private readonly discovery: DiscoveryRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({ kind: 'totp', isEnrolled: (userId) => this.totp.isEnrolled(userId) });
    // OIDC Discovery §3: the classes acr_values may ask for, and the acr claim in id_tokens.
    this.discovery.contribute('mfa', { acrValuesSupported: ACR_VALUES_SUPPORTED, claimsSupported: ['acr'] });
  }
}
