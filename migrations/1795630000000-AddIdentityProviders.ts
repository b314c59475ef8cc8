import { MigrationInterface, QueryRunner } from 'typeorm';

// Sign-in through the organisation's identity providers (OIDC, LDAP): the providers, the links from upstream
// people to users here, OIDC flows in progress, and which provider began each sign-in session.
export class AddIdentityProviders1795630000000 implements MigrationInterface {
  name = 'AddIdentityProviders1795630000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "identity_providers" (
      "id" text PRIMARY KEY,
      "type" text NOT NULL,
      "display_name" text NOT NULL,
      "enabled" boolean NOT NULL DEFAULT true,
      "provisioning" text NOT NULL,
      "role_map" jsonb NOT NULL DEFAULT '{}',
      "default_role" text,
      "settings" jsonb NOT NULL,
      "secret" text,
      "private_jwk" text,
      "secrets_encrypted" boolean NOT NULL DEFAULT false,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now())`);
    await queryRunner.query(`CREATE TABLE "federated_identities" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "provider_id" text NOT NULL,
      "subject" text NOT NULL,
      "user_id" uuid NOT NULL,
      "upstream_username" text,
      "email" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "last_sign_in_at" timestamptz)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "federated_identities_provider_subject" ON "federated_identities" ("provider_id", "subject")`,
    );
    await queryRunner.query(`CREATE INDEX "federated_identities_user" ON "federated_identities" ("user_id")`);
    await queryRunner.query(`CREATE TABLE "federation_flows" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "state_hash" text NOT NULL,
      "provider_id" text NOT NULL,
      "browser_binding" text NOT NULL,
      "code_verifier" text NOT NULL,
      "nonce" text NOT NULL,
      "max_age" integer,
      "authorization_request" text,
      "return_to" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "expires_at" timestamptz NOT NULL,
      "used_at" timestamptz)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "federation_flows_state_hash" ON "federation_flows" ("state_hash")`);
    await queryRunner.query(`CREATE INDEX "federation_flows_expires_at" ON "federation_flows" ("expires_at")`);
    await queryRunner.query(`CREATE TABLE "federated_sessions" (
      "session_id" uuid PRIMARY KEY,
      "provider_id" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await queryRunner.query(`CREATE INDEX "federated_sessions_provider" ON "federated_sessions" ("provider_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "federated_sessions"`);
    await queryRunner.query(`DROP TABLE "federation_flows"`);
    await queryRunner.query(`DROP TABLE "federated_identities"`);
    await queryRunner.query(`DROP TABLE "identity_providers"`);
  }
}
