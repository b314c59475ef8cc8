import { startTestApp, TestApp } from '../utils/test-app';
import { callAs, createClient, createUser, issueCode, postForm, redeem } from './token-fixtures';

const ADMIN_TOKEN = 'audit-admin-token-0123456789abcdef0123456789';

describe('audit trail: GET /admin/audit', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ ADMIN_TOKEN, REFRESH_TOKEN_REUSE_GRACE: '0s' });
  });

  afterAll(async () => {
    await server.close();
  });

  async function auditFor(clientId: string): Promise<Array<Record<string, unknown>>> {
    // Each event is stored before its request is answered: no waiting.
    const response = await fetch(`${server.baseUrl}/admin/audit?client_id=${encodeURIComponent(clientId)}&limit=50`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { events: Array<Record<string, unknown>> }).events;
  }

  it('records issuance, refresh, reuse, revocation and failed client authentication, never the tokens', async () => {
    const client = await createClient(server, 'symmetric');
    const user = await createUser(server);
    const issued = await issueCode(server, client, user);
    const tokens = await redeem(server, client, issued);
    expect(tokens.status).toBe(200);
    expect((await redeem(server, client, issued)).status).toBe(400);

    const second = await redeem(server, client, await issueCode(server, client, await createUser(server)));
    const refreshed = await callAs(server, client, '/token', {
      grant_type: 'refresh_token',
      refresh_token: second.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(
      (await callAs(server, client, '/token', { grant_type: 'refresh_token', refresh_token: second.body.refresh_token as string })).status,
    ).toBe(400);
    expect((await callAs(server, client, '/revoke', { token: refreshed.body.access_token as string })).status).toBe(200);
    const failed = await postForm(
      `${server.baseUrl}/token`,
      { grant_type: 'authorization_code' },
      { Authorization: `Basic ${Buffer.from(`${client.clientId}:wrong`).toString('base64')}` },
    );
    expect(failed.status).toBe(401);

    const events = await auditFor(client.clientId);
    const kinds = events.map((event) => event.event);
    expect(kinds).toEqual(expect.arrayContaining(['issued', 'code_reuse', 'refreshed', 'refresh_reuse', 'revoked', 'client_auth_failed']));
    const reuse = events.find((event) => event.event === 'code_reuse');
    expect(reuse).toMatchObject({ outcome: 'failure', grant_id: issued.grantId, user_id: user.id, client_id: client.clientId });
    // Every event of a request carries its address; the client's creation (by the operator, in-process) has none.
    const requestEvents = events.filter((event) => event.event !== 'client_created');
    expect(requestEvents.every((event) => typeof event.at === 'string' && typeof event.ip === 'string')).toBe(true);
    expect(events.find((event) => event.event === 'client_created')).toMatchObject({
      ip: null,
      detail: expect.objectContaining({ by: 'operator' }),
    });
    const serialized = JSON.stringify(events);
    for (const secret of [
      tokens.body.access_token,
      tokens.body.refresh_token,
      second.body.refresh_token,
      refreshed.body.refresh_token,
      issued.code,
      client.clientSecret,
    ]) {
      expect(serialized).not.toContain(secret as string);
    }

    const filtered = await fetch(`${server.baseUrl}/admin/audit?client_id=${client.clientId}&event=revoked`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const body = (await filtered.json()) as { events: Array<{ event: string }> };
    expect(body.events.length).toBe(1);
    expect(body.events[0].event).toBe('revoked');
  });

  it('requires the admin token and validates its query', async () => {
    expect((await fetch(`${server.baseUrl}/admin/audit`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/admin/audit`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const bad = await fetch(`${server.baseUrl}/admin/audit?limit=0&event=nope`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(bad.status).toBe(400);
  });
});
