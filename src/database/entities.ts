import { GrantEntity } from '../grants/grant.entity';
import { SigningKeyEntity } from '../keys/signing-key.entity';
import { RevokedAccessTokenEntity } from '../revocation/revoked-access-token.entity';

// Every TypeORM entity, in one list shared by the app, the migration CLI and the tests.
export const ENTITIES: Function[] = [SigningKeyEntity, GrantEntity, RevokedAccessTokenEntity];
