import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { isDatabaseUnavailable } from '../common/oauth/oauth-exception.filter';
import { ServiceUnavailableError } from '../common/oauth/service-unavailable.error';
import { queryPrepared } from '../database/prepared-query';
import { AuditEventEntity, AuditEventType, AuditOutcome } from './audit-event.entity';

export interface AuditRecord {
  event: AuditEventType;
  outcome: AuditOutcome;
  clientId?: string | null;
  grantId?: string | null;
  userId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/** Who made an administrative change, for its event: the admin API (with the caller's address), the CLI, a registration. */
export interface AuditActor {
  actor: 'admin_api' | 'operator' | 'registration' | 'user';
  ip?: string | null;
}

/** Changes made by code that names no caller: the CLI and the demo seed run as the operator. */
export const OPERATOR: AuditActor = { actor: 'operator' };

/** A change through the admin API (ADMIN_TOKEN) from this address. */
export function adminApi(ip: string | null | undefined): AuditActor {
  return { actor: 'admin_api', ip: ip ?? null };
}

export interface AuditQuery {
  clientId?: string;
  event?: AuditEventType;
  before?: Date;
  limit: number;
}

/** The event could not be written; the request is refused (503) and, inside a transaction, rolled back with it. */
export class AuditWriteError extends ServiceUnavailableError {
  constructor(event: AuditEventType, cause: unknown) {
    super(`Audit event ${event} could not be written; the request is refused`, { cause });
  }
}

/** An audit INSERT to embed in the caller's own statement (see AuditService.eventPerRow). */
export interface StatementEvent {
  /** A data-modifying statement for a `WITH name AS (…)` clause. */
  sql: string;
  values: unknown[];
}

type Row = Omit<AuditEventEntity, 'id'>;
const SQL_NAME = /^[a-z_][a-z0-9_]*$/;

const MAX_BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// One parameterised statement for one row or many: TypeORM's insert builder spent ~30 µs of CPU per row building it.
// It runs on every token request, so as a named prepared statement (parsed and planned once per connection).
const INSERT_NAME = 'audit_events_insert';
const INSERT = `INSERT INTO audit_events (at, event, outcome, client_id, grant_id, user_id, ip, detail)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::jsonb[])`;

/**
 * The one way to write the audit trail (HIPAA §164.312(b)). An event is durable before `record` resolves, and a
 * request answers only after that, so an answered action always has its event:
 * - with an EntityManager (a transaction from `transaction()`), the event is written in the same transaction as
 *   the state change it records, and commits or rolls back with it;
 * - without one (an action that changes no row: client_credentials, introspection, a failed authentication), it
 *   is written by a group commit: events of concurrent requests share one INSERT, which each of them awaits.
 * When the write fails `record` rejects with AuditWriteError, answered 503 temporarily_unavailable.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  // One write in flight: events arriving meanwhile wait and go together in the next, so fewer commits are made
  // under load (at 50 connections 1,623 client_credentials/s against 1,106 with two in flight; bench/README.md).
  private readonly batcher = new MicroBatcher<Row, unknown>((rows) => this.insertBatch(rows), { maxBatch: MAX_BATCH, maxInFlight: 1 });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction; events recorded with its manager commit, or roll back, with its changes. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Resolves once the event is stored (committed, or part of `manager`'s transaction); see the class comment. */
  async record(record: AuditRecord, manager?: EntityManager): Promise<void> {
    const row = toRow(record);
    try {
      if (manager) await this.insert(manager, [row]);
      else {
        const failure = await this.batcher.add(row);
        if (failure !== null) throw failure;
      }
    } catch (error) {
      throw new AuditWriteError(record.event, error);
    }
  }

  /**
   * The event as part of the caller's own statement, for a state change that must stay one round trip (refresh
   * rotation): an INSERT to use as a data-modifying CTE that records `record` once for each row of the
   * statement's CTE `source`, taking grant_id and user_id from that row and each detail key from the named column.
   * Its parameters are numbered from `firstParameter`. The event commits or fails with the statement; the caller
   * turns a failure of that statement into `writeError(…)`.
   */
  eventPerRow(
    source: string,
    record: Pick<AuditRecord, 'event' | 'outcome' | 'clientId' | 'ip'>,
    detailColumns: Record<string, string>,
    firstParameter: number,
  ): StatementEvent {
    const names = [source, ...Object.values(detailColumns)];
    if (!names.every((name) => SQL_NAME.test(name))) throw new Error('eventPerRow takes plain SQL names');
    const row = toRow(record);
    const at = (index: number) => `$${firstParameter + index}`;
    const keys = Object.keys(detailColumns);
    const detail = keys.map((key, index) => `${at(5 + index)}::text, s.${detailColumns[key]}`).join(', ');
    return {
      sql: `INSERT INTO audit_events (at, event, outcome, client_id, grant_id, user_id, ip, detail)
        SELECT ${at(0)}::timestamptz, ${at(1)}::text, ${at(2)}::text, ${at(3)}::text, s.grant_id, s.user_id, ${at(4)}::text, jsonb_build_object(${detail}) FROM ${source} s`,
      values: [row.at, row.event, row.outcome, row.clientId, row.ip, ...keys],
    };
  }

  /** What a failed statement carrying an `eventPerRow` event becomes: the action is refused (503) like any failed event. */
  writeError(event: AuditEventType, cause: unknown): AuditWriteError {
    return cause instanceof AuditWriteError ? cause : new AuditWriteError(event, cause);
  }

  async find(query: AuditQuery): Promise<AuditEventEntity[]> {
    const builder = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('event')
      .orderBy('event.at', 'DESC')
      .limit(query.limit);
    if (query.clientId) builder.andWhere('event.client_id = :clientId', { clientId: query.clientId });
    if (query.event) builder.andWhere('event.event = :event', { event: query.event });
    if (query.before) builder.andWhere('event.at < :before', { before: query.before });
    return builder.getMany();
  }

  // Requests awaiting a group commit are drained with the HTTP server before this runs; anything else (the CLI,
  // tests closing the app) still finds its write finished before the pool closes, which happens after this hook.
  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }

  /**
   * One INSERT for the batch; each row's result is null (stored) or its error. When the statement fails for a
   * reason other than the database being unreachable, each row is retried alone, so one row PostgreSQL refuses
   * fails only its own request.
   */
  private async insertBatch(rows: Row[]): Promise<unknown[]> {
    try {
      await this.insert(null, rows);
      return rows.map(() => null);
    } catch (error) {
      if (rows.length === 1 || isDatabaseUnavailable(error)) return rows.map(() => error);
      return Promise.all(
        rows.map((row) =>
          this.insert(null, [row]).then(
            () => null,
            (failure: unknown) => failure,
          ),
        ),
      );
    }
  }

  /** Inside `manager`'s transaction when it has one (on that transaction's connection), else on the pool. */
  private async insert(manager: EntityManager | null, rows: Row[]): Promise<void> {
    const values = [
      rows.map((row) => row.at),
      rows.map((row) => row.event),
      rows.map((row) => row.outcome),
      rows.map((row) => row.clientId),
      rows.map((row) => row.grantId),
      rows.map((row) => row.userId),
      rows.map((row) => row.ip),
      rows.map((row) => JSON.stringify(row.detail)),
    ];
    const connection = manager?.queryRunner ? ((await manager.queryRunner.connect()) as PoolClient) : null;
    if (connection) await connection.query({ name: INSERT_NAME, text: INSERT, values });
    else await queryPrepared(this.dataSource, INSERT_NAME, INSERT, values);
  }
}

function toRow(record: AuditRecord): Row {
  return {
    at: new Date(),
    event: record.event,
    outcome: record.outcome,
    clientId: printable(record.clientId),
    grantId: record.grantId && UUID.test(record.grantId) ? record.grantId : null,
    userId: record.userId && UUID.test(record.userId) ? record.userId : null,
    ip: printable(record.ip),
    detail: record.detail ?? {},
  };
}

// PostgreSQL text and jsonb refuse NUL; a claimed client id comes from the request and may contain anything.
function printable(value: string | null | undefined): string | null {
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) : null;
}
