import { MigrationInterface, QueryRunner } from 'typeorm';

// Second factors for local sign-in: TOTP (RFC 6238) with its secret encrypted at rest, hashed single-use recovery
// codes, and the short-lived pending sign-in between a correct password and the second factor.
export class CreateSecondFactors1795650000000 implements MigrationInterface {
  name = 'CreateSecondFactors1795650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "mfa_totp_factors" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "secret" text NOT NULL,
      "secret_encrypted" boolean NOT NULL,
      "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "confirmed_at" TIMESTAMP WITH TIME ZONE,
      "last_time_step" bigint,
      CONSTRAINT "PK_mfa_totp_factors" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "mfa_totp_factors_user_id" ON "mfa_totp_factors" ("user_id")`);
    await queryRunner.query(`CREATE TABLE "mfa_recovery_codes" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "code_hash" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "used_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_mfa_recovery_codes" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "mfa_recovery_codes_user_code" ON "mfa_recovery_codes" ("user_id", "code_hash")`);
    await queryRunner.query(`CREATE TABLE "mfa_pending_sign_ins" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "token_hash" text NOT NULL,
      "browser_hash" text NOT NULL,
      "user_id" uuid NOT NULL,
      "method" text NOT NULL,
      "amr" text array NOT NULL,
      "authorization_request" text,
      "return_to" text,
      "failures" integer NOT NULL DEFAULT 0,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      CONSTRAINT "PK_mfa_pending_sign_ins" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "mfa_pending_sign_ins_token_hash" ON "mfa_pending_sign_ins" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "mfa_pending_sign_ins_user_id" ON "mfa_pending_sign_ins" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "mfa_pending_sign_ins_expires_at" ON "mfa_pending_sign_ins" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_pending_sign_ins"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "mfa_totp_factors"`);
  }
}
