import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { RefreshTokenGrant } from './refresh-token.grant';

// The grant-type registry: the token endpoint dispatches through it and discovery lists it.
export const GRANT_HANDLER_TYPES = [AuthorizationCodeGrant, RefreshTokenGrant, ClientCredentialsGrant];

export { GRANT_HANDLERS, type GrantHandler, type TokenRequest } from './grant-handler';
