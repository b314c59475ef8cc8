import { ClientSettings } from '../clients/clients.service';
import { CreateUserCommand } from '../clients/users.service';
import { DEMO_BACKEND_SERVICE_PUBLIC_JWK } from './demo-backend-service.jwk';

// Fixed ids and credentials other modules, tests and the README rely on. Demo only: never for real data.
export const DEMO_USERS: CreateUserCommand[] = [
  {
    username: 'clinician',
    password: 'clinician-demo-password',
    displayName: 'Dr. Casey Clinician',
    fhirUser: 'Practitioner/example-practitioner-1',
    role: 'practitioner',
    restrictedToPatients: null,
  },
  {
    username: 'patient',
    password: 'patient-demo-password',
    displayName: 'Amy Shaw',
    fhirUser: 'Patient/example-patient-1',
    role: 'patient',
  },
  {
    username: 'mfa-clinician',
    password: 'mfa-clinician-demo-password',
    displayName: 'Dr. Morgan Rivera',
    fhirUser: 'Practitioner/example-practitioner-2',
    role: 'practitioner',
    restrictedToPatients: null,
  },
];

/**
 * The one demo user with two-step verification: an authenticator app enrolled from this fixed TOTP secret
 * (RFC 6238, Base32, SHA-1, 6 digits, 30 s), printed in the README so anyone can add it to an app. Public.
 */
export const DEMO_TOTP_USER = { username: 'mfa-clinician', totpSecret: 'SMARTAUTHDEMOCLINICIANTOTPSECRET' };

export const DEMO_APP_SCOPE =
  'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access patient/*.cruds user/*.cruds';

export interface DemoClient {
  clientId: string;
  clientSecret?: string;
  settings: ClientSettings;
}

export function demoClients(publicUrl: string): DemoClient[] {
  return [
    {
      clientId: 'demo-public-app',
      settings: {
        name: 'Demo SMART app (public)',
        type: 'public',
        tokenEndpointAuthMethod: 'none',
        redirectUris: [`${publicUrl}/demo-app/callback`, 'http://127.0.0.1:8080/callback'],
        launchUrl: `${publicUrl}/demo-app/launch`,
        grantTypes: ['authorization_code', 'refresh_token'],
        scope: DEMO_APP_SCOPE,
        jwks: null,
        jwksUri: null,
        allowRefreshTokens: true,
      },
    },
    {
      clientId: 'demo-confidential-app',
      clientSecret: 'demo-confidential-secret-change-me-0123456789abcdef',
      settings: {
        name: 'Demo SMART app (confidential)',
        type: 'confidential-symmetric',
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: ['http://127.0.0.1:8080/callback'],
        launchUrl: null,
        grantTypes: ['authorization_code', 'refresh_token'],
        scope: DEMO_APP_SCOPE,
        jwks: null,
        jwksUri: null,
        allowRefreshTokens: true,
      },
    },
    {
      clientId: 'demo-backend-service',
      settings: {
        name: 'Demo backend service',
        type: 'backend-service',
        tokenEndpointAuthMethod: 'private_key_jwt',
        redirectUris: [],
        launchUrl: null,
        grantTypes: ['client_credentials'],
        scope: 'system/*.rs system/Patient.cruds',
        jwks: { keys: [DEMO_BACKEND_SERVICE_PUBLIC_JWK] },
        jwksUri: null,
        allowRefreshTokens: false,
      },
    },
    {
      clientId: 'demo-ehr',
      clientSecret: 'demo-ehr-secret-change-me-0123456789abcdef',
      settings: {
        name: 'Demo EHR',
        type: 'confidential-symmetric',
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: [],
        launchUrl: null,
        grantTypes: [],
        scope: '',
        jwks: null,
        jwksUri: null,
        allowRefreshTokens: false,
        mayCreateLaunchContexts: true,
        mayIntrospectAnyToken: true,
      },
    },
  ];
}
