// node-oidc-provider (panva), configured as the peer of smart-auth's client_credentials path:
// the same three clients (client_secret_basic, private_key_jwt RS384, private_key_jwt ES384), RS256 JWT
// access tokens for the FHIR resource, and a second resource with opaque tokens, because oidc-provider
// introspects only opaque tokens. In-memory adapter (its default). Usage:
//   node bench/peer/oidc-provider-server.mjs <port> <clients.json>
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientsFile] = process.argv.slice(2);
const clients = JSON.parse(readFileSync(clientsFile, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

export const JWT_RESOURCE = 'https://fhir.bench.invalid/fhir';
export const OPAQUE_RESOURCE = 'urn:bench:opaque';
const SCOPE = 'system/Patient.rs system/Observation.rs';

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'peer-rs256',
  alg: 'RS256',
  use: 'sig',
};

const backendClient = (extra) => ({
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: SCOPE,
  ...extra,
});

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: [
    backendClient({
      client_id: clients.basic.clientId,
      client_secret: clients.basic.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
    }),
    backendClient({
      client_id: clients.rs384.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS384',
      jwks: { keys: [clients.rs384.publicJwk] },
    }),
    backendClient({
      client_id: clients.es384.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES384',
      jwks: { keys: [clients.es384.publicJwk] },
    }),
  ],
  scopes: SCOPE.split(' '),
  ttl: { ClientCredentials: 300, AccessToken: 300 },
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'RS384', 'ES256', 'ES384'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => JWT_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (resourceIndicator === OPAQUE_RESOURCE) {
          return { scope: SCOPE, audience: OPAQUE_RESOURCE, accessTokenFormat: 'opaque', accessTokenTTL: 300 };
        }
        return { scope: SCOPE, audience: JWT_RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
});

const server = provider.listen(Number(port), '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
