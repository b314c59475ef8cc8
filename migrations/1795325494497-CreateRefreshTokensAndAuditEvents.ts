import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRefreshTokensAndAuditEvents1795325494497 implements MigrationInterface {
  name = 'CreateRefreshTokensAndAuditEvents1795325494497';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "event" text NOT NULL, "client_id" text, "grant_id" uuid, "user_id" uuid, "outcome" text NOT NULL, "ip" text, "detail" jsonb NOT NULL DEFAULT '{}'::jsonb, CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_events_client_at" ON "audit_events"  ("client_id", "at") `);
    await queryRunner.query(`CREATE INDEX "audit_events_at" ON "audit_events"  ("at") `);
    await queryRunner.query(
      `CREATE TABLE "refresh_tokens" ("id" uuid NOT NULL, "token_hash" text NOT NULL, "client_id" text NOT NULL, "grant_id" uuid, "user_id" uuid, "scope" text NOT NULL, "launch_context" jsonb NOT NULL DEFAULT '{}'::jsonb, "login_session_id" text, "online" boolean NOT NULL DEFAULT false, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "rotated_at" TIMESTAMP WITH TIME ZONE, "replaced_by" uuid, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "refresh_tokens_expires_at" ON "refresh_tokens"  ("expires_at") `);
    await queryRunner.query(`CREATE INDEX "refresh_tokens_grant_id" ON "refresh_tokens"  ("grant_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "refresh_tokens_token_hash" ON "refresh_tokens"  ("token_hash") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_token_hash"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_grant_id"`);
    await queryRunner.query(`DROP INDEX "public"."refresh_tokens_expires_at"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."audit_events_at"`);
    await queryRunner.query(`DROP INDEX "public"."audit_events_client_at"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
