import { Client } from 'pg';

export interface AuditRow {
  event: string;
  client_id: string | null;
  grant_id: string | null;
  detail: Record<string, unknown>;
}

/** The audit trail as stored in PostgreSQL (audit_events), for the clients named. */
export async function auditEvents(databaseUrl: string, clientIds: string[]): Promise<AuditRow[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<AuditRow>(
      'SELECT event, client_id, grant_id, detail FROM audit_events WHERE client_id = ANY($1::text[])',
      [clientIds],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}
