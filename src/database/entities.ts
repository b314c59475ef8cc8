import { PasswordResetRequestEntity } from '../account/password-reset-request.entity';
import { PasswordResetTokenEntity } from '../account/password-reset-token.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { BrandEntity } from '../brands/brand.entity';
import { AuthorizationCodeEntity } from '../authorize/authorization-code.entity';
import { LaunchRecordEntity } from '../authorize/launch-record.entity';
import { LoginFailureEntity } from '../authorize/login-failure.entity';
import { LoginSessionEntity } from '../authorize/login-session.entity';
import { ClientOriginEntity } from '../clients/client-origin.entity';
import { ClientAssertionJtiEntity } from '../clients/client-assertion-jti.entity';
import { ClientSecretEntity } from '../clients/client-secret.entity';
import { ClientEntity } from '../clients/client.entity';
import { DeletedClientIdEntity } from '../clients/deleted-client-id.entity';
import { InitialAccessTokenEntity } from '../clients/initial-access-token.entity';
import { UserEntity } from '../clients/user.entity';
import { FederatedIdentityEntity } from '../federation/federated-identity.entity';
import { FederatedSessionEntity } from '../federation/federated-session.entity';
import { IdentityProviderEntity } from '../federation/identity-provider.entity';
import { FederationFlowEntity } from '../federation/oidc/federation-flow.entity';
import { FhirResourceHistoryEntity } from '../fhir/store/fhir-resource-history.entity';
import { FhirResourceEntity } from '../fhir/store/fhir-resource.entity';
import { GrantEntity } from '../grants/grant.entity';
import { PendingSignInEntity } from '../mfa/pending-sign-in.entity';
import { RecoveryCodeEntity } from '../mfa/recovery-code.entity';
import { TotpFactorEntity } from '../mfa/totp-factor.entity';
import { SigningKeyEntity } from '../keys/signing-key.entity';
import { PasskeyChallengeEntity } from '../passkeys/passkey-challenge.entity';
import { PasskeyCredentialEntity } from '../passkeys/passkey-credential.entity';
import { RevokedAccessTokenEntity } from '../revocation/revoked-access-token.entity';
import { ResourceServerEntity } from '../resource-servers/resource-server.entity';
import { RefreshTokenEntity } from '../token/refresh-token.entity';

// Every TypeORM entity, in one list shared by the app, the migration CLI and the tests.
export const ENTITIES: Array<new () => unknown> = [
  SigningKeyEntity,
  GrantEntity,
  RevokedAccessTokenEntity,
  ClientEntity,
  ClientSecretEntity,
  UserEntity,
  InitialAccessTokenEntity,
  ClientAssertionJtiEntity,
  ClientOriginEntity,
  LoginSessionEntity,
  LoginFailureEntity,
  LaunchRecordEntity,
  AuthorizationCodeEntity,
  RefreshTokenEntity,
  AuditEventEntity,
  DeletedClientIdEntity,
  FhirResourceEntity,
  FhirResourceHistoryEntity,
  ResourceServerEntity,
  BrandEntity,
  TotpFactorEntity,
  RecoveryCodeEntity,
  PendingSignInEntity,
  PasskeyCredentialEntity,
  PasskeyChallengeEntity,
  PasswordResetTokenEntity,
  PasswordResetRequestEntity,
  IdentityProviderEntity,
  FederatedIdentityEntity,
  FederationFlowEntity,
  FederatedSessionEntity,
];
