import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDeletedClientIds1795440100000 implements MigrationInterface {
  name = 'CreateDeletedClientIds1795440100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "deleted_client_ids" ("client_id" text NOT NULL, "deleted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "deleted_client_ids_pkey" PRIMARY KEY ("client_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "deleted_client_ids"`);
  }
}
