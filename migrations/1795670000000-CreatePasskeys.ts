import { MigrationInterface, QueryRunner } from 'typeorm';

// WebAuthn passkeys and security keys of local users, and the single-use challenges of their ceremonies.
export class CreatePasskeys1795670000000 implements MigrationInterface {
  name = 'CreatePasskeys1795670000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "passkey_challenges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "challenge_hash" text NOT NULL, "purpose" text NOT NULL, "user_id" uuid, "binding" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6e53152b7ac3d0c599f2cffdd7e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "passkey_challenges_challenge_hash" ON "passkey_challenges" ("challenge_hash")`);
    await queryRunner.query(`CREATE INDEX "passkey_challenges_expires_at" ON "passkey_challenges" ("expires_at")`);
    await queryRunner.query(
      `CREATE TABLE "passkey_credentials" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "credential_id" text NOT NULL, "public_key" bytea NOT NULL, "counter" bigint NOT NULL DEFAULT '0', "transports" text array NOT NULL DEFAULT '{}', "device_type" text NOT NULL, "backed_up" boolean NOT NULL, "name" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c3c843f6c62f3d35e4de5a26c89" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "passkey_credentials_credential_id" ON "passkey_credentials" ("credential_id")`);
    await queryRunner.query(`CREATE INDEX "passkey_credentials_user_id" ON "passkey_credentials" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."passkey_credentials_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."passkey_credentials_credential_id"`);
    await queryRunner.query(`DROP TABLE "passkey_credentials"`);
    await queryRunner.query(`DROP INDEX "public"."passkey_challenges_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."passkey_challenges_challenge_hash"`);
    await queryRunner.query(`DROP TABLE "passkey_challenges"`);
  }
}
