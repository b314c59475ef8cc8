import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGrantsAndRevocations1795324866492 implements MigrationInterface {
  name = 'CreateGrantsAndRevocations1795324866492';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "grants" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" text NOT NULL, "user_id" uuid, "scope" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a25f5f89eff8b3277f7969b7094" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "grants_user_client" ON "grants"  ("user_id", "client_id") `);
    await queryRunner.query(
      `CREATE TABLE "revoked_access_tokens" ("jti" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_340815421be58a8330570a1d6fb" PRIMARY KEY ("jti"))`,
    );
    await queryRunner.query(`CREATE INDEX "revoked_access_tokens_expires_at" ON "revoked_access_tokens"  ("expires_at") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."revoked_access_tokens_expires_at"`);
    await queryRunner.query(`DROP TABLE "revoked_access_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."grants_user_client"`);
    await queryRunner.query(`DROP TABLE "grants"`);
  }
}
