import { Injectable } from '@nestjs/common';
import { bearerToken } from '../../common/oauth/bearer-token';
import { EntityManager } from 'typeorm';
import { AccessDeniedError, InvalidClientMetadataError, InvalidTokenError } from '../../common/oauth/errors';
import { outboundPolicyOf } from '../../common/outbound/outbound-policy';
import { AppConfig } from '../../config/app-config';
import { ClientEntity } from '../client.entity';
import { ClientsService } from '../clients.service';
import { InitialAccessTokensService } from '../initial-access-tokens.service';
import { clientInformation } from './client-information.presenter';
import { validateClientMetadata } from './client-metadata.validator';
import { scopeForRegistration, settingsWithinApproval } from './registration-ceiling';

const REALM = 'smart-auth-registration';

// RFC 7591 (registration) and RFC 7592 (management with the registration access token).
@Injectable()
export class ClientRegistrationService {
  constructor(
    private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly initialAccessTokens: InitialAccessTokensService,
  ) {}

  async register(metadata: unknown, authorization: string | undefined, ip: string | null = null): Promise<Record<string, unknown>> {
    if (this.config.registrationPolicy === 'closed') {
      throw new AccessDeniedError('Dynamic client registration is closed on this server; ask an administrator to register the app');
    }
    // With open registration an initial access token is optional, but one that is sent must be valid: it is how an
    // operator pre-authorizes scopes (its scope is the ceiling of what the client may register).
    const initialAccessToken = bearerToken(authorization);
    if (this.config.registrationPolicy === 'protected' && !initialAccessToken) {
      throw new InvalidTokenError('Registration requires an initial access token (RFC 7591 §3)', REALM);
    }
    if (authorization !== undefined && !initialAccessToken) throw new InvalidTokenError('The initial access token is malformed', REALM);
    const usable = initialAccessToken ? await this.initialAccessTokens.findUsable(initialAccessToken) : undefined;
    if (initialAccessToken && !usable) throw new InvalidTokenError('The initial access token is invalid, expired or already used', REALM);

    // Only RFC 7591 metadata is read: operator flags (may_create_launch_contexts, may_introspect_any_token,
    // verified) in the request are ignored like any other unknown member (RFC 7591 §2).
    const validated = validateClientMetadata(metadata, { outbound: outboundPolicyOf(this.config) });
    const scope = scopeForRegistration(validated, usable?.scope ?? null);
    const settings = { ...validated, scope, approvedScope: scope, approvedGrantTypes: validated.grantTypes, verified: false };
    // The token is spent in the transaction that creates the client and records it: a refused registration keeps it.
    const redeemInitialAccessToken = async (manager: EntityManager): Promise<void> => {
      if (initialAccessToken && !(await this.initialAccessTokens.redeem(initialAccessToken, manager))) {
        throw new InvalidTokenError('The initial access token is invalid, expired or already used', REALM);
      }
    };
    const created = await this.clients.create(
      settings,
      { withRegistrationAccessToken: true, inTransaction: redeemInitialAccessToken },
      { actor: 'registration', ip },
    );
    return clientInformation(created.client, {
      clientSecret: created.clientSecret,
      registrationAccessToken: created.registrationAccessToken,
      registrationClientUri: this.registrationClientUri(created.client.clientId),
    });
  }

  async read(clientId: string, authorization: string | undefined): Promise<Record<string, unknown>> {
    const { token } = await this.authorize(clientId, authorization);
    const client = await this.clients.findById(clientId);
    return clientInformation(client!, { registrationAccessToken: token, registrationClientUri: this.registrationClientUri(clientId) });
  }

  // RFC 7592 §2.2: the request carries every metadata value; omitted ones revert to their defaults.
  async update(
    clientId: string,
    authorization: string | undefined,
    metadata: unknown,
    ip: string | null = null,
  ): Promise<Record<string, unknown>> {
    const { token, client: existing } = await this.authorize(clientId, authorization);
    const body = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
    if (body.client_id !== clientId) throw new InvalidClientMetadataError('client_id must be present and equal the client being updated');
    if (
      body.client_secret !== undefined &&
      (typeof body.client_secret !== 'string' || !(await this.clients.verifySecret(clientId, body.client_secret)))
    ) {
      throw new InvalidClientMetadataError('client_secret does not match the current secret');
    }
    const settings = settingsWithinApproval(
      validateClientMetadata(metadata, { internalScopesWithinApproval: true, outbound: outboundPolicyOf(this.config) }),
      existing,
    );
    const updated = await this.clients.update(clientId, settings, { actor: 'registration', ip });
    if (!updated) throw new InvalidTokenError('The registration access token is invalid', REALM);
    return clientInformation(updated.client, {
      clientSecret: updated.clientSecret,
      registrationAccessToken: token,
      registrationClientUri: this.registrationClientUri(clientId),
    });
  }

  async delete(clientId: string, authorization: string | undefined, ip: string | null = null): Promise<void> {
    await this.authorize(clientId, authorization);
    await this.clients.delete(clientId, { actor: 'registration', ip });
  }

  // RFC 7592 §3: an unknown client and a wrong token both answer 401 invalid_token.
  private async authorize(clientId: string, authorization: string | undefined): Promise<{ token: string; client: ClientEntity }> {
    const token = bearerToken(authorization);
    if (!token) throw new InvalidTokenError('The registration access token is missing', REALM);
    const client = await this.clients.findByRegistrationAccessToken(clientId, token);
    if (!client) throw new InvalidTokenError('The registration access token is invalid', REALM);
    return { token, client };
  }

  private registrationClientUri(clientId: string): string {
    return this.config.url(`/register/${encodeURIComponent(clientId)}`);
  }
}
