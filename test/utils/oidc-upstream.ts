import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';

export interface UpstreamAccount {
  claims: Record<string, unknown>;
  /** RFC 8176 amr the upstream puts into the id_token (omitted when undefined). */
  amr?: string[];
}

export interface UpstreamClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: string;
  jwks_uri?: string;
}

/** What the upstream's sign-in page does next: sign this account in, or refuse (error=access_denied). */
export type UpstreamDecision = { accountId: string } | { deny: true };

export interface OidcUpstream {
  issuer: string;
  accounts: Map<string, UpstreamAccount>;
  /** Set by the test before each sign-in; the upstream's interaction page follows it without a form. */
  next: UpstreamDecision;
  /** Authorization requests the upstream received (their query parameters). */
  authorizationRequests: URLSearchParams[];
  close(): Promise<void>;
}

/**
 * A real OpenID provider (node-oidc-provider) on a free loopback port, in this process. Its interaction page
 * is automated: it signs in `next.accountId` (or refuses) at once, granting what was asked.
 */
export async function startOidcUpstream(clients: UpstreamClient[]): Promise<OidcUpstream> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, UpstreamAccount>();
  const upstream: OidcUpstream = {
    issuer,
    accounts,
    next: { deny: true },
    authorizationRequests: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({ grant_types: ['authorization_code'], response_types: ['code'], ...client })),
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: async () => ({ sub, ...account.claims }) } : undefined;
    },
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'amr'],
      profile: ['name', 'preferred_username', 'groups', 'fhirUser', 'employee_number'],
      email: ['email'],
    },
    // Claims in the id_token itself (not only at userinfo), as many enterprise providers do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['upstream-test-cookie-key-0123456789abcdef'] },
    jwks: undefined,
  });
  const callback = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', issuer);
    if (url.pathname === '/auth') upstream.authorizationRequests.push(url.searchParams);
    if (url.pathname.startsWith('/interaction/')) {
      void interact(provider, upstream, request, response).catch((error: Error) => {
        response.statusCode = 500;
        response.end(error.message);
      });
      return;
    }
    callback(request, response);
  });
  return upstream;
}

async function interact(provider: Provider, upstream: OidcUpstream, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  const next = upstream.next;
  if ('deny' in next) {
    await provider.interactionFinished(
      request,
      response,
      { error: 'access_denied', error_description: 'The person said no' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (details.prompt.name === 'login') {
    const account = upstream.accounts.get(next.accountId);
    await provider.interactionFinished(
      request,
      response,
      { login: { accountId: next.accountId, ...(account?.amr ? { amr: account.amr } : {}) } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
