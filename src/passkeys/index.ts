export { PasskeysModule } from './passkeys.module';
export { PasskeysService } from './passkeys.service';
export type { PasskeySummary, SecondFactorResult } from './passkeys.service';
export { adminPasskeyView } from './admin-passkeys.controller';
