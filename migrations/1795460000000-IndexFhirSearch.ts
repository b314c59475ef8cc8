import { MigrationInterface, QueryRunner } from 'typeorm';

// One GIN index over every resource's content (jsonb_path_ops: a hash per path-and-value), which answers the
// `resource @? jsonpath` conditions the store's search builds for references, tokens and scope constraints
// (src/fhir/store/sql-conditions.ts). Chosen by measurement: bench/README.md, "Search at scale".
export class IndexFhirSearch1795460000000 implements MigrationInterface {
  name = 'IndexFhirSearch1795460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // On a large store the build takes minutes; the app pool's statement_timeout must not cancel it.
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`CREATE INDEX "fhir_resources_content" ON "fhir_resources" USING gin ("resource" jsonb_path_ops)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "fhir_resources_content"`);
  }
}
