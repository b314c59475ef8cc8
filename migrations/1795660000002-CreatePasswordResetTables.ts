import { MigrationInterface, QueryRunner } from 'typeorm';

// Password reset by e-mail: the links' token hashes, and the requests counted per address for throttling.
export class CreatePasswordResetTables1795660000002 implements MigrationInterface {
  name = 'CreatePasswordResetTables1795660000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "password_reset_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" text NOT NULL, "user_id" uuid NOT NULL, "return_to" text, "return_browser" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_password_reset_tokens" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "password_reset_tokens_token_hash" ON "password_reset_tokens" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "password_reset_tokens_user_created_at" ON "password_reset_tokens" ("user_id", "created_at")`);
    await queryRunner.query(
      `CREATE TABLE "password_reset_requests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "throttle_key" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_password_reset_requests" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "password_reset_requests_key_created_at" ON "password_reset_requests" ("throttle_key", "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "password_reset_requests"`);
    await queryRunner.query(`DROP TABLE "password_reset_tokens"`);
  }
}
