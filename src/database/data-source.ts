import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/** PostgreSQL statement_timeout of the app's pool, in ms (0: none); the migration CLI runs without one. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;

// The one set of TypeORM options, used by the Nest app and by the migration CLI.
export function dataSourceOptions(url: string, statementTimeoutMs = statementTimeoutFromEnvironment()): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // gen_random_uuid() is built into PostgreSQL 13+, so no extension has to be installed.
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    // Every statement is cancelled after this long (SQLSTATE 57014), so no request can hold a connection and a
    // core of PostgreSQL for minutes; migrations that may run longer lift it (SET LOCAL statement_timeout = 0).
    // A bounded wait for a pooled connection, so a request fails fast (503) rather than hangs while PostgreSQL is down.
    extra: {
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      connectionTimeoutMillis: Number(process.env.DATABASE_CONNECT_TIMEOUT_MS ?? 5000),
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    },
  };
}

export function createDataSource(url: string, statementTimeoutMs?: number): DataSource {
  return new DataSource(dataSourceOptions(url, statementTimeoutMs));
}

function statementTimeoutFromEnvironment(): number {
  const raw = process.env.DATABASE_STATEMENT_TIMEOUT;
  return raw === undefined || raw.trim() === '' ? DEFAULT_STATEMENT_TIMEOUT_MS : Number(raw);
}
