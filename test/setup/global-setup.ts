import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

declare global {
  // eslint-disable-next-line no-var
  var __EMBEDDED_PG__: { stop(): Promise<void> } | undefined;
}

// e2e tests run against a real PostgreSQL: DATABASE_URL when set (its name must contain "test", because the
// schema is wiped), otherwise a throwaway embedded cluster.
export default async function globalSetup(): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    const embedded = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'smart-auth-test-')), 'smart_auth_test');
    globalThis.__EMBEDDED_PG__ = embedded;
    url = embedded.url;
  }
  const name = new URL(url).pathname.slice(1);
  if (!/test/.test(name)) throw new Error(`Refusing to run e2e tests against database "${name}": its name must contain "test"`);
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await client.end();
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  process.env.DATABASE_URL = url;
  process.env.NODE_ENV = 'test';
}
