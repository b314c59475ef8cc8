import { MigrationInterface, QueryRunner } from 'typeorm';

// RFC 8707: resource servers with their own audience, and the audience a refresh token was granted for
// (null: this server's FHIR base, as for every token issued before).
export class AddResourceServers1795480000000 implements MigrationInterface {
  name = 'AddResourceServers1795480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "resource_servers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "base_url" text NOT NULL, "audience" text NOT NULL, "scope" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_eb2b9ba8327e20c467d98763250" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "resource_servers_base_url" ON "resource_servers" ("base_url")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "resource_servers_audience" ON "resource_servers" ("audience")`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "aud" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "aud"`);
    await queryRunner.query(`DROP INDEX "resource_servers_audience"`);
    await queryRunner.query(`DROP INDEX "resource_servers_base_url"`);
    await queryRunner.query(`DROP TABLE "resource_servers"`);
  }
}
