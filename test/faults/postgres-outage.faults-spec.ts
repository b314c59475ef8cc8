// PostgreSQL stopped and started again under load: while it is down every request answers 503 in its surface's
// form (OAuth `temporarily_unavailable` with Retry-After, /fhir OperationOutcome `transient`), never a 500, and
// within a bound; once it is back the server recovers by itself (the time is printed), and no effect of an
// answered 200/201 is lost.
import { Database, deployment, Deployment, makeWorkDir, ServerProcess, startServer, WorkDir, freePort } from './support/processes';
import { Answer, SecretClient, SmartApi } from './support/smart-api';
import { pollUntil, quantile, report } from './support/timing';

jest.setTimeout(180_000);

const SCOPE = 'openid fhirUser offline_access user/Patient.rs';
const SERVICE_SCOPE = 'system/Patient.crs';
const CHAINS = 2;
// A request during the outage waits at most DATABASE_CONNECT_TIMEOUT_MS (2 s here) for a connection.
const ANSWER_BOUND_MS = 6_000;
const DOWN_FOR_MS = 3_000;
const AFTER_RECOVERY_MS = 1_000;

type Surface = 'token' | 'refresh' | 'fhir-read' | 'fhir-create' | 'health';

interface Sample {
  surface: Surface;
  started: number;
  ended: number;
  answer?: Answer;
  error?: string;
}

describe('PostgreSQL stopped and started under load', () => {
  let work: WorkDir;
  let database: Database;
  let shared: Deployment;
  let server: ServerProcess;

  beforeAll(async () => {
    work = makeWorkDir('outage');
    database = await Database.start(work);
    const port = await freePort();
    shared = deployment(database.url, port);
    server = await startServer(shared, port, work.dir);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.stop();
    work?.remove();
  });

  it('answers 503 in every surface while it is down, recovers, and loses nothing answered', async () => {
    const api = new SmartApi(shared, server.url);
    const user = await api.createUser();
    const app = await api.createApp(SCOPE);
    const service: SecretClient = await api.createSecretService(SERVICE_SCOPE);
    const jar = await api.signIn(user);
    const chains: Array<{ token: string; lastOk: boolean }> = [];
    for (const code of await api.codes(app, jar, user, SCOPE, CHAINS)) {
      const { answer } = await api.redeem(app, code);
      expect(answer?.status).toBe(200);
      chains.push({ token: answer!.body.refresh_token, lastOk: true });
    }
    const { answer: issued } = await api.clientCredentials(service, SERVICE_SCOPE);
    const accessToken = issued!.body.access_token as string;

    const samples: Sample[] = [];
    const created: string[] = [];
    let spentBy503 = 0;
    let stopped = false;
    const sample = async (surface: Surface, work: () => Promise<{ answer?: Answer; error?: string }>): Promise<Answer | undefined> => {
      const started = Date.now();
      const { answer, error } = await work();
      samples.push({ surface, started, ended: Date.now(), answer, error });
      return answer;
    };
    const lane = (body: () => Promise<unknown>) =>
      (async () => {
        while (!stopped) if ((await body()) === false) return;
      })();
    const lanes = [
      lane(async () => void (await sample('token', () => api.clientCredentials(service, SERVICE_SCOPE, ANSWER_BOUND_MS * 2)))),
      lane(async () => void (await sample('fhir-read', () => api.fhir('/Patient?_count=1', accessToken, {}, ANSWER_BOUND_MS * 2)))),
      lane(async () => {
        const answer = await sample('fhir-create', () =>
          api.fhir(
            '/Patient',
            accessToken,
            { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'Outage' }] } },
            ANSWER_BOUND_MS * 2,
          ),
        );
        if (answer?.status === 201) created.push(answer.body.id);
      }),
      lane(async () => void (await sample('health', () => api.get('/health', {}, ANSWER_BOUND_MS * 2)))),
      ...chains.map((chain) =>
        lane(async () => {
          const answer = await sample('refresh', () => api.refresh(app, chain.token, ANSWER_BOUND_MS * 2));
          chain.lastOk = answer?.status === 200;
          if (answer?.status === 200) chain.token = answer.body.refresh_token;
          // A rotation committed just before PostgreSQL went away, answered 503: the old token is spent.
          if (answer?.status === 400 && samples.some((s) => s.surface === 'refresh' && s.answer?.status === 503)) {
            spentBy503++;
            return false;
          }
        }),
      ),
    ];

    const answeredOk = (surface: Surface, after = 0) =>
      samples.some((s) => s.surface === surface && s.started >= after && s.answer && s.answer.status < 300);
    await pollUntil(
      () => answeredOk('token') && answeredOk('fhir-read') && answeredOk('fhir-create') && answeredOk('refresh'),
      30_000,
      'load running',
    );

    const downAt = Date.now();
    await database.stop();
    const unavailable = (surface: Surface) => samples.some((s) => s.surface === surface && s.started >= downAt && s.answer?.status === 503);
    await pollUntil(
      () =>
        Date.now() - downAt >= DOWN_FOR_MS &&
        unavailable('token') &&
        unavailable('fhir-read') &&
        unavailable('fhir-create') &&
        unavailable('refresh'),
      30_000,
      '503 from every surface while PostgreSQL is down',
    );
    const readyWhileDown = await api.get('/health/ready');
    expect(readyWhileDown.answer?.status).toBe(503);

    await database.restart();
    const upAt = Date.now();
    await pollUntil(
      () => answeredOk('token', upAt) && answeredOk('fhir-read', upAt) && answeredOk('fhir-create', upAt),
      30_000,
      'recovery',
    );
    const firstOk = (surface: Surface) =>
      Math.min(
        ...samples.filter((s) => s.surface === surface && s.started >= upAt && s.answer && s.answer.status < 300).map((s) => s.ended),
      );
    const recoveryMs = Math.max(firstOk('token'), firstOk('fhir-read'), firstOk('fhir-create')) - upAt;
    const recoveredAt = Date.now();
    await pollUntil(() => Date.now() - recoveredAt >= AFTER_RECOVERY_MS, AFTER_RECOVERY_MS + 1000, 'load after recovery');
    stopped = true;
    await Promise.all(lanes);

    const statuses: Record<string, number> = {};
    for (const s of samples)
      statuses[s.answer ? String(s.answer.status) : `no answer (${s.error})`] =
        (statuses[s.answer ? String(s.answer.status) : `no answer (${s.error})`] ?? 0) + 1;
    const latencies = samples.map((s) => s.ended - s.started);
    report('PostgreSQL outage', `down ${upAt - downAt} ms; ${samples.length} requests: ${JSON.stringify(statuses)}`);
    report('PostgreSQL outage', `latency p99 ${quantile(latencies, 0.99)} ms, max ${Math.max(...latencies)} ms`);
    report('recovery time', `${recoveryMs} ms after PostgreSQL accepted connections again (token, /fhir read and write answering)`);
    if (spentBy503) report('PostgreSQL outage', `${spentBy503} refresh rotation(s) committed but answered 503 (token spent, grant kept)`);

    // No hang, no 500: every request answered within the bound, with a 2xx or a 503 (or, for a refresh whose
    // rotation was committed as PostgreSQL went away, invalid_grant).
    expect(samples.filter((s) => !s.answer)).toEqual([]);
    expect(Math.max(...latencies)).toBeLessThan(ANSWER_BOUND_MS);
    const unexpected = samples.filter(
      (s) => s.answer && s.answer.status >= 300 && s.answer.status !== 503 && !(s.surface === 'refresh' && s.answer.status === 400),
    );
    expect(unexpected.map((s) => `${s.surface} ${s.answer!.status} ${s.answer!.text.slice(0, 200)}`)).toEqual([]);
    expect(samples.filter((s) => s.surface === 'health' && s.answer?.status !== 200)).toEqual([]);

    // Each 503 in its surface's form.
    for (const s of samples.filter((candidate) => candidate.answer?.status === 503)) {
      const answer = s.answer!;
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      if (s.surface.startsWith('fhir')) {
        expect(answer.headers.get('content-type')).toContain('application/fhir+json');
        expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ code: 'transient' })] });
      } else {
        expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' });
      }
    }

    // Nothing answered 2xx was lost: every created Patient is there, every refresh token last answered works.
    expect(created.length).toBeGreaterThan(0);
    for (const id of created) expect((await api.fhir(`/Patient/${id}`, accessToken)).answer?.status).toBe(200);
    for (const chain of chains.filter((candidate) => candidate.lastOk))
      expect((await api.refresh(app, chain.token)).answer?.status).toBe(200);
    expect((await api.get('/health/ready')).answer?.status).toBe(200);
  });
});
