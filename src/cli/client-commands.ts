import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ClientType } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { InitialAccessTokensService } from '../clients/initial-access-tokens.service';
import { clientSettingsFrom } from '../admin/admin-client-settings';
import { adminClientView } from '../clients/registration/client-information.presenter';
import { validateClientMetadata } from '../clients/registration/client-metadata.validator';
import { outboundPolicyOf } from '../common/outbound/outbound-policy';
import { AppConfig } from '../config/app-config';
import { withApplication } from './cli-context';
import { print } from './cli-output';

const TYPES: ClientType[] = ['public', 'confidential-symmetric', 'confidential-asymmetric', 'backend-service'];
const DEFAULT_AUTH_METHOD: Record<ClientType, string> = {
  public: 'none',
  'confidential-symmetric': 'client_secret_basic',
  'confidential-asymmetric': 'private_key_jwt',
  'backend-service': 'private_key_jwt',
};

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a number of seconds');
  return Number(value);
}

interface CreateOptions {
  name: string;
  type: ClientType;
  authMethod?: string;
  redirectUri?: string[];
  launchUrl?: string;
  scope?: string;
  jwksFile?: string;
  jwksUri?: string;
  clientId?: string;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  mayCreateLaunchContexts?: boolean;
  mayIntrospectAnyToken?: boolean;
  table?: boolean;
}

export function registerClientCommands(program: Command): void {
  program
    .command('clients:create')
    .description('Register a client; prints its client_id and (for secret methods) the client_secret, shown once')
    .requiredOption('--name <name>', 'client name')
    .option('--type <type>', `one of ${TYPES.join(', ')}`, 'public')
    .option(
      '--auth-method <method>',
      'token_endpoint_auth_method (default from --type; a backend-service may use client_secret_basic or client_secret_post)',
    )
    .option('--redirect-uri <uri>', 'redirect URI (repeatable)', collect)
    .option('--launch-url <url>', 'EHR launch URL')
    .option('--scope <scopes>', 'allowed scopes; for backend services the pre-authorized system/ scopes')
    .option('--jwks-file <path>', 'JWK Set file with public keys (private_key_jwt)')
    .option('--jwks-uri <url>', 'JWK Set URL (private_key_jwt)')
    .option('--client-id <id>', 'fixed client_id (random when omitted)')
    .option('--access-token-ttl <seconds>', 'access token lifetime', seconds)
    .option('--refresh-token-ttl <seconds>', 'refresh token lifetime', seconds)
    .option('--may-create-launch-contexts', 'allow POST /launch (EHR)')
    .option('--may-introspect-any-token', "allow introspecting other clients' tokens")
    .option('--table', 'print a table instead of JSON')
    .action(async (options: CreateOptions) => {
      if (!TYPES.includes(options.type)) throw new InvalidArgumentError(`--type must be one of ${TYPES.join(', ')}`);
      const backend = options.type === 'backend-service';
      const metadata = {
        client_name: options.name,
        token_endpoint_auth_method: options.authMethod ?? DEFAULT_AUTH_METHOD[options.type],
        redirect_uris: options.redirectUri,
        launch_url: options.launchUrl,
        scope: options.scope,
        grant_types: backend ? ['client_credentials'] : undefined,
        jwks: options.jwksFile ? (JSON.parse(readFileSync(options.jwksFile, 'utf8')) as unknown) : undefined,
        jwks_uri: options.jwksUri,
      };
      // Operator-created, like the admin API: a backend service may also use a secret (RFC 6749 §4.4).
      const settings = validateClientMetadata(metadata, {
        trustedRegistration: true,
        outbound: outboundPolicyOf(new AppConfig(process.env)),
      });
      const created = await withApplication((app) =>
        app.get(ClientsService).create(
          {
            ...settings,
            accessTokenTtl: options.accessTokenTtl ?? null,
            refreshTokenTtl: options.refreshTokenTtl ?? null,
            mayCreateLaunchContexts: options.mayCreateLaunchContexts ?? false,
            mayIntrospectAnyToken: options.mayIntrospectAnyToken ?? false,
          },
          { clientId: options.clientId },
        ),
      );
      print(adminClientView(created.client, { clientSecret: created.clientSecret }), options);
    });

  program
    .command('clients:list')
    .description('List clients')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { table?: boolean }) => {
      const clients = await withApplication((app) => app.get(ClientsService).list());
      const rows = clients.map((client) => adminClientView(client));
      print(
        options.table
          ? rows.map(({ client_id, client_name, type, token_endpoint_auth_method, enabled, verified, redirect_uris }) => ({
              client_id,
              client_name,
              type,
              token_endpoint_auth_method,
              enabled,
              verified,
              redirect_uris,
            }))
          : rows,
        options,
      );
    });

  program
    .command('clients:delete <clientId>')
    .description('Delete a client: its grants, codes, refresh tokens and access tokens stop working, and its client_id is never reused')
    .option('--table', 'print a table instead of JSON')
    .action(async (clientId: string, options: { table?: boolean }) => {
      const deleted = await withApplication((app) => app.get(ClientsService).delete(clientId));
      if (!deleted) throw new Error(`No client ${clientId}`);
      print({ client_id: clientId, deleted: true }, options);
    });

  program
    .command('clients:rotate-secret <clientId>')
    .description('Issue a new client secret (shown once); the old one stays valid for the overlap')
    .option('--overlap <seconds>', 'seconds the previous secret stays valid', seconds, 24 * 3600)
    .option('--table', 'print a table instead of JSON')
    .action(async (clientId: string, options: { overlap: number; table?: boolean }) => {
      const rotated = await withApplication((app) => app.get(ClientsService).rotateSecret(clientId, options.overlap));
      if (!rotated) throw new Error(`No client ${clientId} that authenticates with a secret`);
      print(
        {
          client_id: clientId,
          client_secret: rotated.clientSecret,
          previous_secrets_expire_at: rotated.previousSecretsExpireAt.toISOString(),
        },
        options,
      );
    });

  program
    .command('clients:update <clientId>')
    .description('Grant scopes to a client or mark it verified, as PATCH /admin/clients/{client_id} does')
    .option(
      '--scope <scopes>',
      'the scope ceiling (for backend services the pre-authorized system/ scopes); also what RFC 7592 PUT stays within',
    )
    .option('--verified', 'mark the client reviewed by an operator (consent page, CORS)')
    .option('--no-verified', 'mark the client unverified')
    .option('--table', 'print a table instead of JSON')
    .action(async (clientId: string, options: { scope?: string; verified?: boolean; table?: boolean }) => {
      const updated = await withApplication(async (app) => {
        const clients = app.get(ClientsService);
        const existing = await clients.findById(clientId);
        if (!existing) throw new Error(`No client ${clientId}`);
        return clients.update(
          clientId,
          clientSettingsFrom({ scope: options.scope, verified: options.verified }, existing, outboundPolicyOf(app.get(AppConfig))),
        );
      });
      if (!updated) throw new Error(`No client ${clientId}`);
      print(adminClientView(updated.client, { clientSecret: updated.clientSecret }), options);
    });

  program
    .command('initial-access-tokens:create')
    .description('Issue an initial access token for dynamic registration (RFC 7591 §3), shown once')
    .option('--scope <scopes>', 'scope ceiling of the clients registered with it (required for a backend service)')
    .option('--reusable', 'allow several registrations (default: single use)')
    .option('--expires-in <seconds>', 'lifetime in seconds (default: no expiry)', seconds)
    .option('--description <text>', 'note for operators')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { scope?: string; reusable?: boolean; expiresIn?: number; description?: string; table?: boolean }) => {
      const issued = await withApplication((app) =>
        app.get(InitialAccessTokensService).issue({
          scope: options.scope ?? null,
          singleUse: !options.reusable,
          expiresInSeconds: options.expiresIn ?? null,
          description: options.description ?? null,
        }),
      );
      print(
        {
          initial_access_token: issued.token,
          id: issued.id,
          single_use: issued.singleUse,
          scope: issued.scope,
          expires_at: issued.expiresAt?.toISOString() ?? null,
        },
        options,
      );
    });
}
