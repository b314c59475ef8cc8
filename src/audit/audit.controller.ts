import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { InvalidRequestError } from '../common/oauth/errors';
import { AUDIT_EVENT_TYPES, AuditEventEntity, AuditEventType } from './audit-event.entity';
import { AuditService } from './audit.service';

const EVENTS: readonly string[] = AUDIT_EVENT_TYPES;

@AdminRoute()
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary:
      'Audit trail: tokens issued, refreshed, revoked and introspected, failed authentication, reuse detection, consent, sign-in factors, passkeys, password resets, federated sign-ins, and changes to clients, users, resource servers and the brand',
  })
  async list(
    @Query('client_id') clientId?: string,
    @Query('event') event?: string,
    @Query('before') before?: string,
    @Query('limit') limit?: string,
  ): Promise<{ events: Array<Record<string, unknown>> }> {
    if (event !== undefined && !EVENTS.includes(event)) throw new InvalidRequestError(`event must be one of ${EVENTS.join(', ')}`);
    const beforeDate = before === undefined ? undefined : new Date(before);
    if (beforeDate && Number.isNaN(beforeDate.getTime())) throw new InvalidRequestError('before must be an ISO 8601 timestamp');
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw new InvalidRequestError('limit must be an integer between 1 and 1000');
    const events = await this.audit.find({
      clientId: typeof clientId === 'string' ? clientId : undefined,
      event: event as AuditEventType | undefined,
      before: beforeDate,
      limit: size,
    });
    return { events: events.map(toWire) };
  }
}

function toWire(event: AuditEventEntity): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    event: event.event,
    outcome: event.outcome,
    client_id: event.clientId,
    grant_id: event.grantId,
    user_id: event.userId,
    ip: event.ip,
    detail: event.detail,
  };
}
