export { AuditModule } from './audit.module';
export { adminApi, AuditService, AuditWriteError, OPERATOR } from './audit.service';
export type { AuditActor, AuditQuery, AuditRecord, StatementEvent } from './audit.service';
export { AUDIT_EVENT_TYPES } from './audit-event.entity';
export type { AuditEventType, AuditOutcome } from './audit-event.entity';
