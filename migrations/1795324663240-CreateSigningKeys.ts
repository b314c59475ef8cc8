import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSigningKeys1795324663240 implements MigrationInterface {
  name = 'CreateSigningKeys1795324663240';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "signing_keys" ("kid" text NOT NULL, "alg" text NOT NULL, "public_jwk" jsonb NOT NULL, "private_key" text NOT NULL, "private_key_encrypted" boolean NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "retired_at" TIMESTAMP WITH TIME ZONE, "publish_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_13362ac3e792c69417e1a53d355" PRIMARY KEY ("kid"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "signing_keys_one_active_per_alg" ON "signing_keys"  ("alg") WHERE retired_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."signing_keys_one_active_per_alg"`);
    await queryRunner.query(`DROP TABLE "signing_keys"`);
  }
}
