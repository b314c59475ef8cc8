import { ClientSecretBasicAuthenticator } from './client-secret-basic.authenticator';
import { ClientSecretPostAuthenticator } from './client-secret-post.authenticator';
import { NoneAuthenticator } from './none.authenticator';
import { PrivateKeyJwtAuthenticator } from './private-key-jwt.authenticator';

// Every client authentication method; discovery's token_endpoint_auth_* values are read from this list.
export const CLIENT_AUTHENTICATOR_TYPES = [
  NoneAuthenticator,
  ClientSecretBasicAuthenticator,
  ClientSecretPostAuthenticator,
  PrivateKeyJwtAuthenticator,
] as const;
