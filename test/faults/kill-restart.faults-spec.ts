// kill -9 of the server under mixed load (code redemption, refresh, client_credentials, revocation), then a
// restart on the same database: what was answered before the crash holds after it. No code is redeemed twice,
// no revoked token is honoured (introspection and /fhir), refresh tokens issued before the crash still work,
// the JWKS is unchanged, and every answered request's audit event is stored.
import { decodeJwt } from 'jose';
import { auditEvents } from './support/audit';
import { Database, deployment, Deployment, freePort, makeWorkDir, ServerProcess, startServer, WorkDir } from './support/processes';
import { SecretClient, SmartApi } from './support/smart-api';
import { pollUntil, report } from './support/timing';

jest.setTimeout(180_000);

const SCOPE = 'openid fhirUser offline_access user/Patient.rs';
const SERVICE_SCOPE = 'system/Patient.rs';
const CODES = 80;
const CHAINS = 4;
const KEPT = 5;
const REVOCABLE = 60;
// The crash comes once this many requests of the load were answered (or after LOAD_LIMIT_MS).
const KILL_AFTER_ANSWERED = 150;
const LOAD_LIMIT_MS = 15_000;

describe('kill -9 under load, then a restart', () => {
  let work: WorkDir;
  let database: Database;
  let shared: Deployment;
  let server: ServerProcess;
  let port: number;

  beforeAll(async () => {
    work = makeWorkDir('kill');
    database = await Database.start(work);
    port = await freePort();
    shared = deployment(database.url, port);
    server = await startServer(shared, port, work.dir);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.stop();
    work?.remove();
  });

  it('keeps every answered effect, and only those, across the crash', async () => {
    const api = new SmartApi(shared, server.url);
    const user = await api.createUser();
    const app = await api.createApp(SCOPE);
    // A second app whose refresh tokens are set aside before the load and used only after the restart.
    const keep = await api.createApp(SCOPE);
    const service = await api.createSecretService(SERVICE_SCOPE);
    const jar = await api.signIn(user);
    const codes = await api.codes(app, jar, user, SCOPE, CODES + CHAINS);
    const keptCodes = await api.codes(keep, jar, user, SCOPE, KEPT);

    const okByCode = new Map<string, number>();
    const redeemed = async (client: SecretClient, code: { code: string; verifier: string }) => {
      const result = await api.redeem(client, code);
      if (result.answer?.status === 200) okByCode.set(code.code, (okByCode.get(code.code) ?? 0) + 1);
      return result;
    };
    let redeemOk = 0;
    const take = async (client: SecretClient, code: { code: string; verifier: string }): Promise<string> => {
      const { answer } = await redeemed(client, code);
      expect(answer?.status).toBe(200);
      if (client === app) redeemOk++;
      return answer!.body.refresh_token as string;
    };
    const kept: string[] = [];
    for (const code of keptCodes) kept.push(await take(keep, code));
    const chains: Array<{ token: string; confirmed: boolean }> = [];
    for (const code of codes.splice(0, CHAINS)) chains.push({ token: await take(app, code), confirmed: true });
    const revocable: string[] = [];
    for (let index = 0; index < REVOCABLE; index++) {
      const { answer } = await api.clientCredentials(service, SERVICE_SCOPE);
      expect(answer?.status).toBe(200);
      revocable.push(answer!.body.access_token as string);
    }
    let ccOk = REVOCABLE;
    const jwksBefore = (await api.get('/.well-known/jwks.json')).answer?.body;
    expect(jwksBefore?.keys?.length).toBeGreaterThan(0);

    // The load: two lanes redeem codes, one lane per refresh chain, one client_credentials lane, one revocation lane.
    let stopped = false;
    let answered = 0;
    let unanswered = 0;
    let refreshOk = 0;
    const revoked: string[] = [];
    const pool = [...codes];
    const attempted = new Set<string>();
    const count = (result: { answer?: unknown }) => (result.answer ? answered++ : unanswered++);
    const lanes = [
      ...[0, 1].map(async () => {
        while (!stopped && pool.length > 0) {
          const code = pool.shift()!;
          attempted.add(code.code);
          const result = await redeemed(app, code);
          count(result);
          if (result.answer?.status === 200) redeemOk++;
          else if (result.answer) throw new Error(`redemption answered ${result.answer.status}: ${result.answer.text}`);
        }
      }),
      ...chains.map(async (chain) => {
        while (!stopped) {
          const result = await api.refresh(app, chain.token);
          count(result);
          if (result.answer?.status !== 200) {
            // Unanswered: the rotation may or may not have been committed; this chain is not checked afterwards.
            chain.confirmed = false;
            if (result.answer) throw new Error(`refresh answered ${result.answer.status}: ${result.answer.text}`);
            return;
          }
          chain.token = result.answer.body.refresh_token;
          refreshOk++;
        }
      }),
      (async () => {
        while (!stopped) {
          const result = await api.clientCredentials(service, SERVICE_SCOPE);
          count(result);
          if (result.answer?.status === 200) ccOk++;
        }
      })(),
      (async () => {
        while (!stopped && revocable.length > 0) {
          const token = revocable.shift()!;
          const result = await api.revoke(service, token);
          count(result);
          if (result.answer?.status === 200) revoked.push(token);
        }
      })(),
    ];
    const loadStarted = Date.now();
    await pollUntil(() => answered >= KILL_AFTER_ANSWERED || Date.now() - loadStarted > LOAD_LIMIT_MS, LOAD_LIMIT_MS + 1000, 'load');
    await server.kill9();
    stopped = true;
    await Promise.all(lanes);
    report('kill -9', `after ${Date.now() - loadStarted} ms of load: ${answered} requests answered, ${unanswered} cut off by the crash`);
    expect(pool.length).toBeGreaterThan(0);
    expect(revoked.length).toBeGreaterThan(0);

    const restarting = Date.now();
    server = await startServer(shared, port, work.dir);
    report('restart after kill -9', `ready in ${Date.now() - restarting} ms`);
    const after = api.via(server.url);
    // The audit trail as the crash left it, read from PostgreSQL before the checks below add their own events.
    const events = await auditEvents(shared.databaseUrl, [app.clientId, service.clientId]);

    // The signing keys survived: the same JWKS, so tokens signed before the crash still verify.
    expect((await after.get('/.well-known/jwks.json')).answer?.body).toEqual(jwksBefore);

    // Refresh tokens issued before the crash work: the ones set aside, and each chain's last answered one.
    for (const token of kept) expect((await after.refresh(keep, token)).answer?.status).toBe(200);
    const confirmed = chains.filter((chain) => chain.confirmed);
    for (const chain of confirmed) expect((await after.refresh(app, chain.token)).answer?.status).toBe(200);

    // No revoked token is honoured; a token that was not revoked still is (the check is not vacuous).
    for (const token of revoked) {
      expect((await after.introspect(service, token)).answer?.body).toEqual({ active: false });
      expect((await after.fhir('/Patient?_count=1', token)).answer?.status).toBe(401);
    }
    const fresh = (await after.clientCredentials(service, SERVICE_SCOPE)).answer?.body.access_token as string;
    expect((await after.introspect(service, fresh)).answer?.body.active).toBe(true);
    expect((await after.fhir('/Patient?_count=1', fresh)).answer?.status).toBe(200);

    // Nothing is redeemed twice: a code answered 200 before the crash is refused; one cut off by the crash was
    // either spent (refused now) or not (redeemable once). Last, since a reused code revokes its grant.
    for (const code of codes.filter((candidate) => attempted.has(candidate.code))) {
      const first = await redeemed(app, code);
      const second = await redeemed(app, code);
      expect(first.answer && second.answer).toBeTruthy();
      expect(second.answer!.status).toBe(400);
      expect(second.answer!.body.error).toBe('invalid_grant');
    }
    const twice = [...okByCode.entries()].filter(([, ok]) => ok > 1);
    expect(twice).toEqual([]);
    report('codes', `${attempted.size} tried under load, ${okByCode.size} answered 200 once in the whole test, none twice`);

    // Every request answered before the crash left its audit event (asserted last, so the checks above run
    // whatever the outcome here).
    const of = (event: string, clientId: string, grantType?: string) =>
      events.filter((row) => row.event === event && row.client_id === clientId && (!grantType || row.detail.grant_type === grantType));
    const auditedJtis = new Set(of('revoked', service.clientId).map((row) => row.detail.jti));
    const missing = {
      codes: redeemOk - of('issued', app.clientId, 'authorization_code').length,
      refreshes: refreshOk - of('refreshed', app.clientId).length,
      clientCredentials: ccOk - of('issued', service.clientId, 'client_credentials').length,
      revocations: revoked.filter((token) => !auditedJtis.has(decodeJwt(token).jti)).length,
    };
    report('audit events missing for answered requests', JSON.stringify(missing));
    expect(missing.codes).toBeLessThanOrEqual(0);
    expect(missing.refreshes).toBeLessThanOrEqual(0);
    expect(missing.clientCredentials).toBeLessThanOrEqual(0);
    expect(missing.revocations).toBe(0);
  });
});
