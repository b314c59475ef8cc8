import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddClientApprovalAndVerified1795400000000 implements MigrationInterface {
  name = 'AddClientApprovalAndVerified1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" ADD "approved_scope" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "approved_grant_types" text array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "verified" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "initial_access_tokens" ADD "scope" text`);
    // Clients with a registration access token registered themselves: they lose internal (__) scopes, and a
    // self-registered backend service its self-asserted system/ scopes, until an operator grants them.
    await queryRunner.query(
      `UPDATE "clients" SET "scope" = array_to_string(ARRAY(SELECT s FROM unnest(string_to_array("scope", ' ')) AS s WHERE s <> '' AND left(s, 2) <> '__'), ' ')
        WHERE "registration_access_token_hash" IS NOT NULL`,
    );
    await queryRunner.query(
      `UPDATE "clients" SET "scope" = '' WHERE "registration_access_token_hash" IS NOT NULL AND 'client_credentials' = ANY("grant_types")`,
    );
    // Operator-created clients (no registration access token) were reviewed by an operator.
    await queryRunner.query(
      `UPDATE "clients" SET "approved_scope" = "scope", "approved_grant_types" = "grant_types", "verified" = ("registration_access_token_hash" IS NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "initial_access_tokens" DROP COLUMN "scope"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "verified"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "approved_grant_types"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "approved_scope"`);
  }
}
