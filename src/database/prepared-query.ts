import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs one of the few statements on a hot path as a named prepared statement on TypeORM's own pg pool:
 * PostgreSQL parses and plans it once per connection instead of on every request, and TypeORM's query
 * runner is skipped. `name` must always go with the same `text`.
 */
export async function queryPrepared<Row>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const result = await pool.query<Row & object>({ name, text, values });
  return result.rows;
}
