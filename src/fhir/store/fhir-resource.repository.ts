import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';
import { OperationOutcomeError } from '../../fhir-auth';
import { statementTimeoutOutcome, withStatementTimeout } from './statement-timeout';
import { MAX_PAGE_BYTES, MAX_RESOURCE_BYTES } from './store-limits';

export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  resource: Record<string, unknown> | null;
  deleted: boolean;
  method?: string;
  /** Bytes of JSON, when the query measured them (pages and includes). */
  size?: number;
}

export interface SqlQuery {
  where: string;
  params: unknown[];
}

interface Row {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  resource: Record<string, unknown> | null;
  deleted: boolean;
  method?: string;
  size?: string | number;
}

/** The built-in FHIR store: current versions in fhir_resources, every version in fhir_resource_history. */
@Injectable()
export class FhirResourceRepository {
  /** The database transaction of a FHIR `transaction` Bundle, when one is under way in this async context. */
  private readonly ambient = new AsyncLocalStorage<EntityManager>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one database transaction: every read and write of this repository made from within it (in
   * the same async context) joins that transaction, and any error rolls all of them back (FHIR R4
   * http.html#transaction: all or nothing).
   */
  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.ambient.getStore()) return work();
    try {
      return await this.dataSource.transaction((manager) => this.ambient.run(manager, work));
    } catch (error) {
      throw writeConflictOutcome(error) ?? error;
    }
  }

  async findCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const rows: Row[] = await this.query(
      `SELECT resource_type, id, version_id, last_updated, resource, deleted FROM fhir_resources WHERE resource_type = $1 AND id = $2`,
      [resourceType, id],
    );
    return rows[0] && toVersion(rows[0]);
  }

  async findVersion(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const rows: Row[] = await this.query(
      `SELECT resource_type, id, version_id, last_updated, resource, deleted, method FROM fhir_resource_history
        WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
      [resourceType, id, versionId],
    );
    return rows[0] && toVersion(rows[0]);
  }

  /** Current, non-deleted resources by `Type/id` reference, for _include, within `maxBytes` of JSON. */
  async findByReferences(
    references: ReadonlyArray<{ resourceType: string; id: string }>,
    maxBytes = MAX_PAGE_BYTES,
  ): Promise<StoredVersion[]> {
    if (references.length === 0) return [];
    const rows: Row[] = await this.query(
      withinBytes(
        `SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.resource, r.deleted, wanted.ord
           FROM fhir_resources r JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS wanted(resource_type, id, ord)
             ON r.resource_type = wanted.resource_type AND r.id = wanted.id
          WHERE NOT r.deleted`,
        '$3',
      ),
      [references.map((reference) => reference.resourceType), references.map((reference) => reference.id), maxBytes],
    );
    return rows.map(toVersion);
  }

  async storedTypes(): Promise<string[]> {
    const rows: Array<{ resource_type: string }> = await this.query(`SELECT DISTINCT resource_type FROM fhir_resources`);
    return rows.map((row) => row.resource_type);
  }

  async count(query: SqlQuery): Promise<number> {
    const rows: Array<{ total: string }> = await this.query(
      `SELECT count(*) AS total FROM fhir_resources WHERE ${query.where}`,
      query.params,
    );
    return Number(rows[0]?.total ?? 0);
  }

  async search(query: SqlQuery, orderBy: string, limit: number, offset: number, maxBytes = MAX_PAGE_BYTES): Promise<StoredVersion[]> {
    const n = query.params.length;
    const rows: Row[] = await this.query(
      withinBytes(
        `SELECT resource_type, id, version_id, last_updated, resource, deleted, row_number() OVER (ORDER BY ${orderBy}) AS ord FROM fhir_resources
          WHERE ${query.where} ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
        `$${n + 3}`,
      ),
      [...query.params, limit, offset, maxBytes],
    );
    return rows.map(toVersion);
  }

  /**
   * One page and the total match count in a single round trip. The matching keys are collected first (a
   * materialized CTE, so the planner picks the search index for the WHERE instead of walking the sort order
   * and filtering every row), counted and sorted; only the page's rows are then read in full.
   */
  async searchPage(query: SqlQuery, orderBy: string, limit: number, offset: number): Promise<{ total: number; versions: StoredVersion[] }> {
    if (limit === 0) return { total: await this.count(query), versions: [] };
    const n = query.params.length;
    const rows: Array<Row & { total: string }> = await this.query(
      `WITH matches AS MATERIALIZED (SELECT resource_type, id, last_updated FROM fhir_resources WHERE ${query.where}),
            page AS (SELECT resource_type, id, count(*) OVER () AS total, row_number() OVER (ORDER BY ${orderBy}) AS position
                       FROM matches ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}) ` +
        withinBytes(
          `SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.resource, r.deleted, page.total, page.position AS ord
             FROM page JOIN fhir_resources r ON r.resource_type = page.resource_type AND r.id = page.id`,
          `$${n + 3}`,
        ),
      [...query.params, limit, offset, MAX_PAGE_BYTES],
    );
    // A page past the end has no row to carry the count.
    if (rows.length === 0) return { total: offset > 0 ? await this.count(query) : 0, versions: [] };
    return { total: Number(rows[0].total), versions: rows.map(toVersion) };
  }

  /** History rows, newest first; `where` may use resource_type, id, last_updated and resource. */
  async history(query: SqlQuery, limit: number, offset: number): Promise<{ total: number; versions: StoredVersion[] }> {
    const n = query.params.length;
    const [rows, counts] = await Promise.all([
      this.query<Row[]>(
        withinBytes(
          `SELECT resource_type, id, version_id, last_updated, resource, deleted, method,
                  row_number() OVER (ORDER BY last_updated DESC, resource_type, id, version_id DESC) AS ord FROM fhir_resource_history
            WHERE ${query.where} ORDER BY last_updated DESC, resource_type, id, version_id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
          `$${n + 3}`,
        ),
        [...query.params, limit, offset, MAX_PAGE_BYTES],
      ),
      this.query<Array<{ total: string }>>(`SELECT count(*) AS total FROM fhir_resource_history WHERE ${query.where}`, query.params),
    ]);
    return { total: Number(counts[0]?.total ?? 0), versions: rows.map(toVersion) };
  }

  /**
   * Writes a new version (create, update or patch) or a deletion (`resource` null). `check` sees the current
   * version under a row lock, so a permission decision and the write cannot interleave with another write.
   */
  async write(
    resourceType: string,
    id: string,
    method: string,
    build: (current: StoredVersion | undefined) => Record<string, unknown> | null,
  ): Promise<{ version: StoredVersion; previous: StoredVersion | undefined }> {
    const writeIn = async (manager: EntityManager) => {
      const previous = await this.lockCurrent(manager, resourceType, id);
      const content = build(previous);
      const versionId = (previous?.versionId ?? 0) + 1;
      const lastUpdated = new Date();
      const resource = content && {
        ...content,
        resourceType,
        id,
        meta: { ...asObject(content.meta), versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
      };
      const deleted = resource === null;
      const json = resource ? storedJson(resource) : JSON.stringify(previous?.resource ?? {});
      await manager.query(
        `INSERT INTO fhir_resources (resource_type, id, version_id, last_updated, resource, deleted) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (resource_type, id) DO UPDATE SET version_id = $3, last_updated = $4, resource = $5, deleted = $6`,
        [resourceType, id, versionId, lastUpdated, json, deleted],
      );
      await manager.query(
        `INSERT INTO fhir_resource_history (resource_type, id, version_id, last_updated, resource, deleted, method) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [resourceType, id, versionId, lastUpdated, deleted ? null : json, deleted, method],
      );
      return { version: { resourceType, id, versionId, lastUpdated, resource, deleted, method }, previous };
    };
    const ambient = this.ambient.getStore();
    try {
      // Inside a transaction Bundle the write joins its transaction; an error then rolls back the whole Bundle.
      return ambient ? await writeIn(ambient) : await this.dataSource.transaction(writeIn);
    } catch (error) {
      throw writeConflictOutcome(error) ?? statementTimeoutOutcome(error) ?? error;
    }
  }

  private query<T>(sql: string, params: unknown[] = []): Promise<T> {
    const runner = this.ambient.getStore() ?? this.dataSource;
    return withStatementTimeout(() => runner.query(sql, params));
  }

  private async lockCurrent(manager: EntityManager, resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const rows: Row[] = await manager.query(
      `SELECT resource_type, id, version_id, last_updated, resource, deleted FROM fhir_resources WHERE resource_type = $1 AND id = $2 FOR UPDATE`,
      [resourceType, id],
    );
    return rows[0] && toVersion(rows[0]);
  }
}

// 23505: two first writes of the same new id raced on the primary key. 40P01/40001: PostgreSQL broke a
// deadlock or a serialization conflict between two transaction Bundles writing the same resources. The
// client may retry in every case (FHIR R4 http.html#concurrency, 409 Conflict).
function writeConflictOutcome(error: unknown): OperationOutcomeError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== '23505' && code !== '40P01' && code !== '40001') return undefined;
  return new OperationOutcomeError(409, 'conflict', 'Concurrent write to the same resource; retry');
}

/**
 * The rows of `inner` (which selects `resource` and an `ord` column) in `ord` order, as long as the JSON sent
 * before each stays under `budget` bytes; the first row always comes. A page of large resources is cut short
 * here, in PostgreSQL, so the server never parses or serializes more than about the budget (docs/fhir.md).
 */
function withinBytes(inner: string, budget: string): string {
  return `SELECT * FROM (
            SELECT sized.*, sum(sized.size) OVER (ORDER BY sized.ord ROWS UNBOUNDED PRECEDING) AS running
              FROM (SELECT inner_rows.*, coalesce(octet_length(inner_rows.resource::text), 0) AS size FROM (${inner}) AS inner_rows) AS sized
          ) AS kept
          WHERE kept.running - kept.size < ${budget}
          ORDER BY kept.ord`;
}

// One serialization, both checked against the size bound and sent to PostgreSQL (as jsonb text).
function storedJson(resource: Record<string, unknown>): string {
  const json = JSON.stringify(resource);
  if (json.length > MAX_RESOURCE_BYTES || Buffer.byteLength(json) > MAX_RESOURCE_BYTES) {
    throw new OperationOutcomeError(422, 'too-costly', `A stored resource may be at most ${MAX_RESOURCE_BYTES} bytes of JSON`);
  }
  return json;
}

function toVersion(row: Row): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: Number(row.version_id),
    lastUpdated: new Date(row.last_updated),
    resource: row.resource,
    deleted: row.deleted,
    method: row.method,
    ...(row.size === undefined ? {} : { size: Number(row.size) }),
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
