import { MigrationInterface, QueryRunner } from 'typeorm';

// RFC 9449 §5: a public client's refresh token is bound to the DPoP key it was issued with.
export class BindRefreshTokensToDpopKeys1795510000000 implements MigrationInterface {
  name = 'BindRefreshTokensToDpopKeys1795510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "dpop_jkt" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "dpop_jkt"`);
  }
}
