import { MigrationInterface, QueryRunner } from 'typeorm';

// OIDC Core §2: auth_time travels from the sign-in, through the code, into the id_token.
export class AddAuthTimeToAuthorizationCodes1795410000002 implements MigrationInterface {
  name = 'AddAuthTimeToAuthorizationCodes1795410000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_codes" ADD "auth_time" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "auth_time"`);
  }
}
