import { MigrationInterface, QueryRunner } from 'typeorm';

// A user's e-mail address, where password reset links are sent; unique regardless of case.
export class AddEmailToUsers1795660000000 implements MigrationInterface {
  name = 'AddEmailToUsers1795660000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "email" text`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_email_lower" ON "users" (lower("email"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "users_email_lower"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email"`);
  }
}
