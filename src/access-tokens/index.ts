export { AccessTokensModule } from './access-tokens.module';
export { AccessTokenVerifier, type AccessTokenCheck, type AccessTokenVerdict, type InactiveReason } from './access-token-verifier';
export { hasAudience, REQUIRED_ACCESS_TOKEN_CLAIMS, type AccessTokenClaims } from './access-token.claims';
export { DEFAULT_ACCESS_TOKEN_CACHE, type AccessTokenCacheSettings } from './access-token.cache';
export { IntrospectionAccessTokenVerifier } from './introspection-access-token.verifier';
export { JwksAccessTokenVerifier } from './jwks-access-token.verifier';
export { LocalAccessTokenVerifier } from './local-access-token.verifier';
export type { IntrospectionOptions, RemoteAccessTokenOptions } from './remote-access-token.options';
