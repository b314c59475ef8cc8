import { Injectable } from '@nestjs/common';
import { InvalidClientError } from '../../common/oauth/errors';
import { ClientEntity } from '../client.entity';
import { ClientsService } from '../clients.service';
import { bodyParameter, ClientAuthenticationRequest, ClientAuthenticator, hasBodyParameter } from './client-authenticator';

// RFC 6749 §2.3.1: client_id and client_secret in the request body.
@Injectable()
export class ClientSecretPostAuthenticator implements ClientAuthenticator {
  readonly method = 'client_secret_post' as const;

  constructor(private readonly clients: ClientsService) {}

  isPresentedBy(request: ClientAuthenticationRequest): boolean {
    return hasBodyParameter(request, 'client_secret');
  }

  claimedClientId(request: ClientAuthenticationRequest): string {
    bodyParameter(request, 'client_secret');
    const clientId = bodyParameter(request, 'client_id');
    if (!clientId) throw new InvalidClientError('client_secret was sent without client_id');
    return clientId;
  }

  async verify(client: ClientEntity, request: ClientAuthenticationRequest): Promise<void> {
    const secret = bodyParameter(request, 'client_secret');
    if (!secret || !(await this.clients.verifySecret(client.clientId, secret))) {
      throw new InvalidClientError('Client authentication failed');
    }
  }
}
