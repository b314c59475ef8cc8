import { MigrationInterface, QueryRunner } from 'typeorm';

// The operator's user-access brand (SMART App Launch 2.2), a single row.
export class CreateUserAccessBrand1795520000000 implements MigrationInterface {
  name = 'CreateUserAccessBrand1795520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "user_access_brand" ("id" integer NOT NULL, "settings" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_user_access_brand" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "user_access_brand"`);
  }
}
