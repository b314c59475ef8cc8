import { MigrationInterface, QueryRunner } from 'typeorm';

// A launch is bound to the first browser that presents it at /authorize, so a leaked launch id is useless elsewhere.
export class BindLaunchToBrowser1795410000001 implements MigrationInterface {
  name = 'BindLaunchToBrowser1795410000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "launch_contexts" ADD "browser_hash" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "launch_contexts" DROP COLUMN "browser_hash"`);
  }
}
