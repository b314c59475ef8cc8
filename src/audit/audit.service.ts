import { Injectable, Logger, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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

export interface AuditQuery {
  clientId?: string;
  event?: AuditEventType;
  before?: Date;
  limit: number;
}

const FLUSH_INTERVAL_MS = 250;
const MAX_BATCH = 500;
const MAX_BUFFERED = 20_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Writes are buffered and flushed in batches off the request path, so auditing adds no latency to /token.
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private buffer: Array<Omit<AuditEventEntity, 'id'>> = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  record(record: AuditRecord): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.logger.warn(`Audit buffer full; dropping a ${record.event} event`);
      return;
    }
    this.buffer.push({
      at: new Date(),
      event: record.event,
      outcome: record.outcome,
      clientId: printable(record.clientId),
      grantId: record.grantId && UUID.test(record.grantId) ? record.grantId : null,
      userId: record.userId && UUID.test(record.userId) ? record.userId : null,
      ip: printable(record.ip),
      detail: record.detail ?? {},
    });
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves once it is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer.splice(0, this.buffer.length);
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  async find(query: AuditQuery): Promise<AuditEventEntity[]> {
    await this.flush();
    const builder = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('event').orderBy('event.at', 'DESC').limit(query.limit);
    if (query.clientId) builder.andWhere('event.client_id = :clientId', { clientId: query.clientId });
    if (query.event) builder.andWhere('event.event = :event', { event: query.event });
    if (query.before) builder.andWhere('event.at < :before', { before: query.before });
    return builder.getMany();
  }

  // Before, not on, application shutdown: the global TypeORM module's shutdown hook runs first and closes the pool.
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  // One parameterised statement per batch: TypeORM's insert builder spent ~30 µs of CPU per row building it.
  private async write(batch: Array<Omit<AuditEventEntity, 'id'>>): Promise<void> {
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const rows = batch.slice(start, start + MAX_BATCH);
      try {
        await this.dataSource.query(
          `INSERT INTO audit_events (at, event, outcome, client_id, grant_id, user_id, ip, detail)
           SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::jsonb[])`,
          [
            rows.map((row) => row.at),
            rows.map((row) => row.event),
            rows.map((row) => row.outcome),
            rows.map((row) => row.clientId),
            rows.map((row) => row.grantId),
            rows.map((row) => row.userId),
            rows.map((row) => row.ip),
            rows.map((row) => JSON.stringify(row.detail)),
          ],
        );
      } catch (error) {
        this.logger.error(`Could not write ${rows.length} audit events: ${(error as Error).message}`);
      }
    }
  }
}

// PostgreSQL text and jsonb refuse NUL; a claimed client id comes from the request and may contain anything.
function printable(value: string | null | undefined): string | null {
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) : null;
}
