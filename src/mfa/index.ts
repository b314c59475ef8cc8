export { MfaModule } from './mfa.module';
export { SecondFactorService } from './second-factor.service';
export { SecondFactorRegistry } from './second-factor.registry';
export type { SecondFactorKind } from './second-factor.registry';
export { PendingSignInService, PENDING_COOKIE, PENDING_MAX_FAILURES, SECOND_FACTOR_PATH } from './pending-sign-in.service';
export type { FoundPendingSignIn } from './pending-sign-in.service';
export { TotpService } from './totp.service';
export { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, ACR_VALUES_SUPPORTED, acrForAmr, requiresMultiFactor } from './acr';
