import type { ClientAuthenticationMethod } from '../../clients/authentication/client-authenticator';
import type { ClientEntity } from '../../clients/client.entity';
import { FormParams } from '../form-params';
import { TokenResponseBody } from '../token-response';

export interface TokenRequest {
  /** Only the parameters the handler declares. */
  params: FormParams;
  client: ClientEntity;
  authenticationMethod: ClientAuthenticationMethod;
  ip: string | null;
  /** RFC 9449: the thumbprint of the key of a valid DPoP proof sent with the request, else null. */
  dpopJkt: string | null;
}

export interface GrantHandler {
  readonly grantType: string;
  readonly parameters: ReadonlySet<string>;
  handle(request: TokenRequest): Promise<TokenResponseBody>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
