import type { AuditService } from '../../audit/audit.service';
import type { ClientEntity, TokenEndpointAuthMethod } from '../../clients/client.entity';
import { OAuthError } from '../../common/oauth/errors';
import type { AppConfig } from '../../config/app-config';
import type { ResourceServersService } from '../../resource-servers/resource-servers.service';
import type { IssueInput, TokenIssuerService } from '../token-issuer.service';
import { ClientCredentialsGrant } from './client-credentials.grant';

function grantFor(issued: IssueInput[]): ClientCredentialsGrant {
  const issuer = {
    issue: async (input: IssueInput) => {
      issued.push(input);
      return { access_token: 'token', token_type: 'Bearer', expires_in: input.lifetimeSeconds, scope: input.scope };
    },
  };
  const audit = { record: () => undefined };
  const resourceServers = {
    forClientCredentials: async () => ({
      audience: 'https://auth.example.org/fhir',
      baseUrl: 'https://auth.example.org/fhir',
      ceiling: null,
    }),
  };
  return new ClientCredentialsGrant(
    issuer as unknown as TokenIssuerService,
    audit as unknown as AuditService,
    { backendTokenTtl: 300 } as AppConfig,
    resourceServers as unknown as ResourceServersService,
  );
}

function client(method: TokenEndpointAuthMethod): ClientEntity {
  return {
    clientId: 'c1',
    tokenEndpointAuthMethod: method,
    scope: 'system/Patient.rs system/Observation.rs',
    accessTokenTtl: 3600,
  } as ClientEntity;
}

async function errorOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as OAuthError).error;
  }
}

describe('ClientCredentialsGrant', () => {
  it.each(['private_key_jwt', 'client_secret_basic', 'client_secret_post'] as const)(
    'issues to a client registered for and authenticated with %s, narrowed to the ceiling and at most the backend TTL',
    async (method) => {
      const issued: IssueInput[] = [];
      const body = await grantFor(issued).handle({
        params: { scope: 'system/Patient.rs system/Condition.rs' },
        client: client(method),
        authenticationMethod: method,
        ip: null,
        dpopJkt: null,
      });
      expect(body.scope).toBe('system/Patient.rs');
      expect(issued[0]).toMatchObject({ userId: null, grantId: null, lifetimeSeconds: 300 });
      expect(issued[0].refreshToken).toBeUndefined();
    },
  );

  it('refuses a public client and a method other than the registered one with unauthorized_client', async () => {
    const grant = grantFor([]);
    const request = (registered: TokenEndpointAuthMethod, used: TokenEndpointAuthMethod) =>
      grant.handle({
        params: { scope: 'system/Patient.rs' },
        client: client(registered),
        authenticationMethod: used,
        ip: null,
        dpopJkt: null,
      });
    expect(await errorOf(request('none', 'none'))).toBe('unauthorized_client');
    expect(await errorOf(request('private_key_jwt', 'client_secret_basic'))).toBe('unauthorized_client');
  });

  it('requires a scope inside the pre-authorization', async () => {
    const grant = grantFor([]);
    const request = (scope?: string) =>
      grant.handle({
        params: scope === undefined ? {} : { scope },
        client: client('client_secret_basic'),
        authenticationMethod: 'client_secret_basic',
        ip: null,
        dpopJkt: null,
      });
    expect(await errorOf(request())).toBe('invalid_scope');
    expect(await errorOf(request('system/Condition.rs'))).toBe('invalid_scope');
  });
});
