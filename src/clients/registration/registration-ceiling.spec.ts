import { OAuthError } from '../../common/oauth/errors';
import { ClientEntity } from '../client.entity';
import { ClientSettings } from '../clients.service';
import { scopeForRegistration, settingsWithinApproval } from './registration-ceiling';

const BACKEND: ClientSettings = {
  name: 'svc',
  type: 'backend-service',
  tokenEndpointAuthMethod: 'private_key_jwt',
  redirectUris: [],
  launchUrl: null,
  grantTypes: ['client_credentials'],
  scope: 'system/*.cruds',
  jwks: { keys: [] },
  jwksUri: null,
  allowRefreshTokens: false,
};
const APP: ClientSettings = {
  ...BACKEND,
  name: 'app',
  type: 'public',
  tokenEndpointAuthMethod: 'none',
  redirectUris: ['https://a.example.org/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid patient/*.rs',
  jwks: null,
  allowRefreshTokens: true,
};

function errorOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as OAuthError).error;
  }
}

describe('scopeForRegistration', () => {
  it('refuses a backend service without an operator ceiling', () => {
    expect(errorOf(() => scopeForRegistration(BACKEND, null))).toBe('invalid_client_metadata');
  });

  it('intersects with the initial access token scope', () => {
    expect(scopeForRegistration(BACKEND, 'system/Patient.rs system/Observation.rs')).toBe('system/Patient.rs system/Observation.rs');
    expect(scopeForRegistration({ ...BACKEND, scope: 'system/Patient.r' }, 'system/Patient.rs')).toBe('system/Patient.r');
    expect(errorOf(() => scopeForRegistration(BACKEND, 'patient/*.rs'))).toBe('invalid_client_metadata');
  });

  it('leaves an app alone without a ceiling and bounds it with one', () => {
    expect(scopeForRegistration(APP, null)).toBe('openid patient/*.rs');
    expect(scopeForRegistration(APP, 'openid patient/Observation.rs')).toBe('openid patient/Observation.rs');
    expect(errorOf(() => scopeForRegistration(APP, 'system/*.rs'))).toBe('invalid_client_metadata');
  });
});

describe('settingsWithinApproval', () => {
  const existing = {
    ...BACKEND,
    clientId: 'c',
    scope: 'system/Patient.rs',
    approvedScope: 'system/Patient.rs system/Observation.rs',
    approvedGrantTypes: ['client_credentials'],
    verified: true,
    mayIntrospectAnyToken: true,
  } as unknown as ClientEntity;

  it('narrows scope to the approval and keeps the operator flags out of the settings', () => {
    const settings = settingsWithinApproval(BACKEND, existing);
    expect(settings.scope).toBe('system/Patient.rs system/Observation.rs');
    expect(settings.mayIntrospectAnyToken).toBeUndefined();
    expect(settings.verified).toBe(true);
  });

  it('refuses unapproved grant types, another auth method and an empty intersection', () => {
    expect(errorOf(() => settingsWithinApproval({ ...BACKEND, scope: 'system/Condition.rs' }, existing))).toBe('invalid_client_metadata');
    expect(errorOf(() => settingsWithinApproval({ ...BACKEND, tokenEndpointAuthMethod: 'client_secret_basic' }, existing))).toBe(
      'invalid_client_metadata',
    );
    const app = {
      ...existing,
      ...APP,
      approvedScope: APP.scope,
      approvedGrantTypes: ['authorization_code'],
      grantTypes: ['authorization_code'],
    } as unknown as ClientEntity;
    expect(errorOf(() => settingsWithinApproval(APP, app))).toBe('invalid_client_metadata');
  });

  it('unverifies a client whose redirect URIs or name change, and keeps refresh tokens off when an operator turned them off', () => {
    const app = {
      ...existing,
      ...APP,
      approvedScope: APP.scope,
      approvedGrantTypes: APP.grantTypes,
      verified: true,
      allowRefreshTokens: false,
    } as unknown as ClientEntity;
    expect(settingsWithinApproval(APP, app)).toMatchObject({ verified: true, allowRefreshTokens: false });
    expect(settingsWithinApproval({ ...APP, redirectUris: ['https://b.example.org/cb'] }, app).verified).toBe(false);
    expect(settingsWithinApproval({ ...APP, name: 'other' }, app).verified).toBe(false);
  });
});
