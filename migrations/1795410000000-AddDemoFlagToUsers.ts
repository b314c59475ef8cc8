import { MigrationInterface, QueryRunner } from 'typeorm';

// The demo EHR launcher may launch only the users the demo seed created.
export class AddDemoFlagToUsers1795410000000 implements MigrationInterface {
  name = 'AddDemoFlagToUsers1795410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "demo" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "demo"`);
  }
}
