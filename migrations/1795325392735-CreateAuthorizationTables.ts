import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuthorizationTables1795325392735 implements MigrationInterface {
  name = 'CreateAuthorizationTables1795325392735';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "authorization_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code_hash" text NOT NULL, "client_id" text NOT NULL, "redirect_uri" text NOT NULL, "code_challenge" text NOT NULL, "scope" text NOT NULL, "launch_context" jsonb NOT NULL DEFAULT '{}'::jsonb, "aud" text NOT NULL, "user_id" uuid, "login_session_id" uuid, "grant_id" uuid NOT NULL, "nonce" text, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f05b2eb99ad2db12d87544656c4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "authorization_codes_expires_at" ON "authorization_codes"  ("expires_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "authorization_codes_code_hash" ON "authorization_codes"  ("code_hash") `);
    await queryRunner.query(
      `CREATE TABLE "launch_contexts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "launch_hash" text NOT NULL, "client_id" text NOT NULL, "created_by" text NOT NULL, "user_id" uuid, "context" jsonb NOT NULL DEFAULT '{}'::jsonb, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_463d0bb620845ab0973ce73bbd6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "launch_contexts_expires_at" ON "launch_contexts"  ("expires_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "launch_contexts_launch_hash" ON "launch_contexts"  ("launch_hash") `);
    await queryRunner.query(
      `CREATE TABLE "login_failures" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "throttle_key" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8211e8ec810fd7f976b98ce97a0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "login_failures_key_created_at" ON "login_failures"  ("throttle_key", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "login_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" text NOT NULL, "user_id" uuid NOT NULL, "method" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_856ef68c4c116c517937056c7bb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "login_sessions_user_id" ON "login_sessions"  ("user_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "login_sessions_token_hash" ON "login_sessions"  ("token_hash") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."login_sessions_token_hash"`);
    await queryRunner.query(`DROP INDEX "public"."login_sessions_user_id"`);
    await queryRunner.query(`DROP TABLE "login_sessions"`);
    await queryRunner.query(`DROP INDEX "public"."login_failures_key_created_at"`);
    await queryRunner.query(`DROP TABLE "login_failures"`);
    await queryRunner.query(`DROP INDEX "public"."launch_contexts_launch_hash"`);
    await queryRunner.query(`DROP INDEX "public"."launch_contexts_expires_at"`);
    await queryRunner.query(`DROP TABLE "launch_contexts"`);
    await queryRunner.query(`DROP INDEX "public"."authorization_codes_code_hash"`);
    await queryRunner.query(`DROP INDEX "public"."authorization_codes_expires_at"`);
    await queryRunner.query(`DROP TABLE "authorization_codes"`);
  }
}
