import { Injectable } from '@nestjs/common';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth/errors';
import { ClientEntity } from '../client.entity';
import { ClientsService } from '../clients.service';
import { basicAuthorization, ClientAuthenticationRequest, ClientAuthenticator } from './client-authenticator';

interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64. Secrets are URL-safe, so clients that
// skip the encoding (as Inferno does) send the same bytes.
export function parseBasicCredentials(request: ClientAuthenticationRequest): BasicCredentials {
  const encoded = basicAuthorization(request);
  if (encoded === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new InvalidRequestError('Malformed Basic authorization header');
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidRequestError('Malformed Basic authorization header');
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidRequestError('Malformed Basic authorization header');
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

@Injectable()
export class ClientSecretBasicAuthenticator implements ClientAuthenticator {
  readonly method = 'client_secret_basic' as const;

  constructor(private readonly clients: ClientsService) {}

  isPresentedBy(request: ClientAuthenticationRequest): boolean {
    return basicAuthorization(request) !== undefined;
  }

  claimedClientId(request: ClientAuthenticationRequest): string {
    const { clientId } = parseBasicCredentials(request);
    if (!clientId) throw new InvalidClientError('Unknown client', { usedAuthorizationHeader: true });
    return clientId;
  }

  async verify(client: ClientEntity, request: ClientAuthenticationRequest): Promise<void> {
    const { clientSecret } = parseBasicCredentials(request);
    if (!clientSecret || !(await this.clients.verifySecret(client.clientId, clientSecret))) {
      throw new InvalidClientError('Client authentication failed', { usedAuthorizationHeader: true });
    }
  }
}
