import { Injectable } from '@nestjs/common';
import { InvalidClientError } from '../../common/oauth/errors';
import { bodyParameter, ClientAuthenticationRequest, ClientAuthenticator, hasBodyParameter } from './client-authenticator';

// SMART client-public: the client only identifies itself; PKCE protects the code exchange.
@Injectable()
export class NoneAuthenticator implements ClientAuthenticator {
  readonly method = 'none' as const;

  isPresentedBy(request: ClientAuthenticationRequest): boolean {
    return hasBodyParameter(request, 'client_id');
  }

  claimedClientId(request: ClientAuthenticationRequest): string {
    const clientId = bodyParameter(request, 'client_id');
    if (!clientId) throw new InvalidClientError('Client authentication is required');
    return clientId;
  }

  async verify(): Promise<void> {
    // Nothing to verify: the registered method being `none` was checked by the caller.
  }
}
