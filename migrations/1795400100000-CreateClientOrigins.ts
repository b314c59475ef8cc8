import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateClientOrigins1795400100000 implements MigrationInterface {
  name = 'CreateClientOrigins1795400100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "client_origins" ("client_id" text NOT NULL, "origin" text NOT NULL, CONSTRAINT "client_origins_pkey" PRIMARY KEY ("client_id", "origin"))`,
    );
    await queryRunner.query(`CREATE INDEX "client_origins_origin" ON "client_origins" ("origin") `);
    // Backfill from the registered redirect URIs: scheme and host lower-cased, default ports dropped, as URL.origin.
    await queryRunner.query(
      `INSERT INTO "client_origins" ("client_id", "origin")
       SELECT DISTINCT c.client_id,
              regexp_replace(regexp_replace(lower(substring(u FROM '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@]+')), '^(https://[^/]+):443$', '\\1'), '^(http://[^/]+):80$', '\\1')
         FROM "clients" c, unnest(c.redirect_uris) AS u
        WHERE substring(u FROM '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@]+') IS NOT NULL
       ON CONFLICT DO NOTHING`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."client_origins_origin"`);
    await queryRunner.query(`DROP TABLE "client_origins"`);
  }
}
