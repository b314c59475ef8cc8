import { MigrationInterface, QueryRunner } from 'typeorm';

export class DropJsonbDefaultsOnTokenTables1795326794871 implements MigrationInterface {
  name = 'DropJsonbDefaultsOnTokenTables1795326794871';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "detail" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ALTER COLUMN "launch_context" DROP DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ALTER COLUMN "launch_context" SET DEFAULT '{}'::jsonb`);
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "detail" SET DEFAULT '{}'::jsonb`);
  }
}
