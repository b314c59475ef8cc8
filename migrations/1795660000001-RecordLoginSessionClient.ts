import { MigrationInterface, QueryRunner } from 'typeorm';

// The address and browser a sign-in came from, shown to the person on their account page.
export class RecordLoginSessionClient1795660000001 implements MigrationInterface {
  name = 'RecordLoginSessionClient1795660000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_sessions" ADD "ip" text`);
    await queryRunner.query(`ALTER TABLE "login_sessions" ADD "user_agent" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_sessions" DROP COLUMN "user_agent"`);
    await queryRunner.query(`ALTER TABLE "login_sessions" DROP COLUMN "ip"`);
  }
}
