import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateFhirStore1795326034678 implements MigrationInterface {
  name = 'CreateFhirStore1795326034678';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "fhir_resource_history" ("resource_type" text NOT NULL, "id" text NOT NULL, "version_id" integer NOT NULL, "last_updated" TIMESTAMP WITH TIME ZONE NOT NULL, "resource" jsonb, "deleted" boolean NOT NULL DEFAULT false, "method" text NOT NULL, CONSTRAINT "PK_ddfc6ffb3dfabd7837f0ad0ea65" PRIMARY KEY ("resource_type", "id", "version_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "fhir_resource_history_type_updated" ON "fhir_resource_history"  ("resource_type", "last_updated") `,
    );
    await queryRunner.query(
      `CREATE TABLE "fhir_resources" ("resource_type" text NOT NULL, "id" text NOT NULL, "version_id" integer NOT NULL, "last_updated" TIMESTAMP WITH TIME ZONE NOT NULL, "resource" jsonb NOT NULL, "deleted" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_2d6f450862310cee31fff94ec82" PRIMARY KEY ("resource_type", "id"))`,
    );
    await queryRunner.query(`CREATE INDEX "fhir_resources_last_updated" ON "fhir_resources"  ("resource_type", "last_updated") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."fhir_resources_last_updated"`);
    await queryRunner.query(`DROP TABLE "fhir_resources"`);
    await queryRunner.query(`DROP INDEX "public"."fhir_resource_history_type_updated"`);
    await queryRunner.query(`DROP TABLE "fhir_resource_history"`);
  }
}
