import { MigrationInterface, QueryRunner } from 'typeorm';

// OIDC Core §2 / RFC 8176: how the person authenticated (amr) travels from the sign-in session, through the
// code, into the id_token.
export class RecordAuthenticationMethods1795530000000 implements MigrationInterface {
  name = 'RecordAuthenticationMethods1795530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_sessions" ADD "amr" text array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "authorization_codes" ADD "amr" text array`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "amr"`);
    await queryRunner.query(`ALTER TABLE "login_sessions" DROP COLUMN "amr"`);
  }
}
