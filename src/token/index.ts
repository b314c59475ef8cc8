export { TokenModule } from './token.module';
export { RefreshTokenRepository } from './refresh-token.repository';
export { LAUNCH_CONTEXT_KEYS, pickLaunchContext, type LaunchContext } from './launch-context';
export { isFormEncoded, singleValuedParams, type FormParams } from './form-params';
export { claimedClientId } from './claimed-client-id';
