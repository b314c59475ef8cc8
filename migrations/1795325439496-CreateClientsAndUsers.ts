import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateClientsAndUsers1795325439496 implements MigrationInterface {
  name = 'CreateClientsAndUsers1795325439496';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "client_assertion_jtis" ("client_id" text NOT NULL, "jti" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_91b1cfc1fb21f7f1eb632c0321c" PRIMARY KEY ("client_id", "jti"))`,
    );
    await queryRunner.query(`CREATE INDEX "client_assertion_jtis_expires_at" ON "client_assertion_jtis"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "client_secrets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "client_id" text NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_528f9011d942fe4285af16c1df5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "client_secrets_client_id" ON "client_secrets"  ("client_id") `);
    await queryRunner.query(
      `CREATE TABLE "clients" ("client_id" text NOT NULL, "name" text NOT NULL, "type" text NOT NULL, "token_endpoint_auth_method" text NOT NULL, "redirect_uris" text array NOT NULL DEFAULT '{}', "launch_url" text, "grant_types" text array NOT NULL DEFAULT '{}', "scope" text NOT NULL DEFAULT '', "jwks" jsonb, "jwks_uri" text, "access_token_ttl" integer, "refresh_token_ttl" integer, "allow_refresh_tokens" boolean NOT NULL DEFAULT false, "may_create_launch_contexts" boolean NOT NULL DEFAULT false, "may_introspect_any_token" boolean NOT NULL DEFAULT false, "enabled" boolean NOT NULL DEFAULT true, "registration_access_token_hash" text, "metadata" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_49e91f1e368e3f760789e7764aa" PRIMARY KEY ("client_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "initial_access_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" text NOT NULL, "description" text, "single_use" boolean NOT NULL DEFAULT true, "expires_at" TIMESTAMP WITH TIME ZONE, "consumed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a28f9e6cd5c339429c4ea382b69" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "initial_access_tokens_token_hash" ON "initial_access_tokens"  ("token_hash") `);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" text NOT NULL, "password_hash" text NOT NULL, "display_name" text NOT NULL, "fhir_user" text NOT NULL, "role" text NOT NULL, "restricted_to_patients" text array, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username" ON "users"  ("username") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."users_username"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."initial_access_tokens_token_hash"`);
    await queryRunner.query(`DROP TABLE "initial_access_tokens"`);
    await queryRunner.query(`DROP TABLE "clients"`);
    await queryRunner.query(`DROP INDEX "public"."client_secrets_client_id"`);
    await queryRunner.query(`DROP TABLE "client_secrets"`);
    await queryRunner.query(`DROP INDEX "public"."client_assertion_jtis_expires_at"`);
    await queryRunner.query(`DROP TABLE "client_assertion_jtis"`);
  }
}
