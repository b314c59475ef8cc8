import { MigrationInterface, QueryRunner } from 'typeorm';

// Sign-in failures used to be keyed `account:<typed username>`, so a password typed into the username field
// sat in the table in clear. They are now keyed by an HMAC (LoginThrottleService); drop the old rows (they
// would expire within 15 minutes anyway). Data only: no schema change.
export class ForgetClearTextLoginFailureUsernames1795440000000 implements MigrationInterface {
  name = 'ForgetClearTextLoginFailureUsernames1795440000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "login_failures" WHERE "throttle_key" LIKE 'account:%'`);
  }

  async down(): Promise<void> {
    // Nothing to restore: the deleted rows held only throttling counts.
  }
}
