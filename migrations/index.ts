import { CreateSigningKeys1795324663240 } from './1795324663240-CreateSigningKeys';
import { CreateGrantsAndRevocations1795324866492 } from './1795324866492-CreateGrantsAndRevocations';
import { CreateAuthorizationTables1795325392735 } from './1795325392735-CreateAuthorizationTables';
import { CreateClientsAndUsers1795325439496 } from './1795325439496-CreateClientsAndUsers';
import { CreateRefreshTokensAndAuditEvents1795325494497 } from './1795325494497-CreateRefreshTokensAndAuditEvents';
import { CreateFhirStore1795326034678 } from './1795326034678-CreateFhirStore';
import { DropJsonbDefaultsOnTokenTables1795326794871 } from './1795326794871-DropJsonbDefaultsOnTokenTables';
import { AddClientApprovalAndVerified1795400000000 } from './1795400000000-AddClientApprovalAndVerified';
import { CreateClientOrigins1795400100000 } from './1795400100000-CreateClientOrigins';
import { AddDemoFlagToUsers1795410000000 } from './1795410000000-AddDemoFlagToUsers';
import { BindLaunchToBrowser1795410000001 } from './1795410000001-BindLaunchToBrowser';
import { AddAuthTimeToAuthorizationCodes1795410000002 } from './1795410000002-AddAuthTimeToAuthorizationCodes';
import { ForgetClearTextLoginFailureUsernames1795440000000 } from './1795440000000-ForgetClearTextLoginFailureUsernames';
import { CreateDeletedClientIds1795440100000 } from './1795440100000-CreateDeletedClientIds';
import { IndexFhirSearch1795460000000 } from './1795460000000-IndexFhirSearch';
import { AddResourceServers1795480000000 } from './1795480000000-AddResourceServers';
import { BindRefreshTokensToDpopKeys1795510000000 } from './1795510000000-BindRefreshTokensToDpopKeys';
import { CreateUserAccessBrand1795520000000 } from './1795520000000-CreateUserAccessBrand';
import { RecordAuthenticationMethods1795530000000 } from './1795530000000-RecordAuthenticationMethods';
import { AddIdentityProviders1795630000000 } from './1795630000000-AddIdentityProviders';
import { CreateSecondFactors1795650000000 } from './1795650000000-CreateSecondFactors';
import { AddEmailToUsers1795660000000 } from './1795660000000-AddEmailToUsers';
import { RecordLoginSessionClient1795660000001 } from './1795660000001-RecordLoginSessionClient';
import { CreatePasswordResetTables1795660000002 } from './1795660000002-CreatePasswordResetTables';
import { CreatePasskeys1795670000000 } from './1795670000000-CreatePasskeys';

// Every migration, in order. Written by `npm run migration:generate -- <Name>`.
export const MIGRATIONS: Array<new () => unknown> = [
  CreateSigningKeys1795324663240,
  CreateGrantsAndRevocations1795324866492,
  CreateAuthorizationTables1795325392735,
  CreateClientsAndUsers1795325439496,
  CreateRefreshTokensAndAuditEvents1795325494497,
  CreateFhirStore1795326034678,
  DropJsonbDefaultsOnTokenTables1795326794871,
  AddClientApprovalAndVerified1795400000000,
  CreateClientOrigins1795400100000,
  AddDemoFlagToUsers1795410000000,
  BindLaunchToBrowser1795410000001,
  AddAuthTimeToAuthorizationCodes1795410000002,
  ForgetClearTextLoginFailureUsernames1795440000000,
  CreateDeletedClientIds1795440100000,
  IndexFhirSearch1795460000000,
  AddResourceServers1795480000000,
  BindRefreshTokensToDpopKeys1795510000000,
  CreateUserAccessBrand1795520000000,
  RecordAuthenticationMethods1795530000000,
  AddIdentityProviders1795630000000,
  CreateSecondFactors1795650000000,
  AddEmailToUsers1795660000000,
  RecordLoginSessionClient1795660000001,
  CreatePasswordResetTables1795660000002,
  CreatePasskeys1795670000000,
];
