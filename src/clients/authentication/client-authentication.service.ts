import { Inject, Injectable } from '@nestjs/common';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth/errors';
import { ClientsService } from '../clients.service';
import {
  AuthenticatedClient,
  bodyParameter,
  CLIENT_AUTHENTICATORS,
  ClientAuthenticationEndpoint,
  ClientAuthenticationRequest,
  ClientAuthenticator,
} from './client-authenticator';

export type { AuthenticatedClient, ClientAuthenticationEndpoint, ClientAuthenticationRequest } from './client-authenticator';

/**
 * Detects the method a request uses, requires it to be the client's registered method or, for a client with a
 * secret, the other secret method (a confidential client never falls back to `none`), and verifies the credentials. Every failure is invalid_client (401); a request
 * using two methods at once is invalid_request (RFC 6749 §2.3).
 */
@Injectable()
export class ClientAuthenticationService {
  private readonly fallback: ClientAuthenticator;
  private readonly credentialed: ClientAuthenticator[];

  constructor(
    @Inject(CLIENT_AUTHENTICATORS) private readonly authenticators: ClientAuthenticator[],
    private readonly clients: ClientsService,
  ) {
    this.fallback = authenticators.find((authenticator) => authenticator.method === 'none') as ClientAuthenticator;
    this.credentialed = authenticators.filter((authenticator) => authenticator.method !== 'none');
  }

  /** Supported methods and assertion algorithms, for discovery. */
  supported(): { methods: string[]; signingAlgorithms: string[] } {
    return {
      methods: this.authenticators.map((authenticator) => authenticator.method),
      signingAlgorithms: this.authenticators.flatMap((authenticator) => [...(authenticator.signingAlgorithms ?? [])]),
    };
  }

  async authenticate(request: ClientAuthenticationRequest, endpoint: ClientAuthenticationEndpoint): Promise<AuthenticatedClient> {
    const normalized: ClientAuthenticationRequest = { headers: request.headers ?? {}, body: request.body ?? {} };
    const presented = this.credentialed.filter((authenticator) => authenticator.isPresentedBy(normalized));
    if (presented.length > 1) {
      throw new InvalidRequestError('The request uses more than one client authentication method');
    }
    const authenticator = presented[0] ?? this.fallback;
    if (!authenticator.isPresentedBy(normalized)) throw new InvalidClientError('Client authentication is required');
    const usedAuthorizationHeader = authenticator.method === 'client_secret_basic';

    const clientId = authenticator.claimedClientId(normalized);
    const bodyClientId = bodyParameter(normalized, 'client_id');
    if (bodyClientId !== undefined && bodyClientId !== clientId) {
      throw new InvalidClientError('client_id does not match the client credentials', { usedAuthorizationHeader });
    }
    const client = await this.clients.findEnabled(clientId);
    if (!client) throw new InvalidClientError('Unknown or disabled client', { usedAuthorizationHeader });
    if (!registeredMethodAccepts(client.tokenEndpointAuthMethod, authenticator.method)) {
      throw new InvalidClientError(`The client is registered for ${client.tokenEndpointAuthMethod} authentication`, {
        usedAuthorizationHeader,
      });
    }
    await authenticator.verify(client, normalized, endpoint);
    return { client, method: authenticator.method };
  }
}

// RFC 6749 §2.3.1: the server MUST support HTTP Basic for clients that hold a secret, so the two secret methods
// stand in for each other; public and key-based clients are still refused every secret method (and vice versa).
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

export function registeredMethodAccepts(registered: string, presented: string): boolean {
  return registered === presented || (SECRET_METHODS.has(registered) && SECRET_METHODS.has(presented));
}
