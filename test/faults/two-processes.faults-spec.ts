// Two server processes on one database, as behind a load balancer (one PUBLIC_URL): whatever one process spent
// or revoked, the other refuses. Codes, refresh tokens and client-assertion jtis are raced at both at once
// (exactly one wins), and a revocation at one reaches the other within its cache bound.
import { Database, deployment, Deployment, freePort, makeWorkDir, ServerProcess, startServer, WorkDir } from './support/processes';
import { SecretClient, SmartApi } from './support/smart-api';
import { pollUntil, report } from './support/timing';

jest.setTimeout(180_000);

const SCOPE = 'openid fhirUser offline_access user/Patient.rs';
const SERVICE_SCOPE = 'system/Patient.rs';
const RACES = 5;
// RevocationService caches answers for 2 s per process; another process must see a revocation within this.
const REVOCATION_BOUND_MS = 5_000;

describe('two server processes on one database', () => {
  let work: WorkDir;
  let database: Database;
  let shared: Deployment;
  let a: ServerProcess;
  let b: ServerProcess;
  let atA: SmartApi;
  let atB: SmartApi;

  beforeAll(async () => {
    work = makeWorkDir('two');
    database = await Database.start(work);
    const portA = await freePort();
    shared = deployment(database.url, portA);
    a = await startServer(shared, portA, work.dir);
    b = await startServer(shared, await freePort(), work.dir);
    atA = new SmartApi(shared, a.url);
    atB = atA.via(b.url);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.stop();
    work?.remove();
  });

  it('redeems a code raced at both processes exactly once, and refuses it afterwards at either', async () => {
    const app = await atA.createApp(SCOPE);
    for (let race = 0; race < RACES; race++) {
      // One user per race: a reused code revokes its grant (RFC 6749 §4.1.2), which is per user and app.
      const user = await atA.createUser();
      const [code] = await atA.codes(app, await atA.signIn(user), user, SCOPE, 1);
      const answers = await Promise.all([atA.redeem(app, code), atB.redeem(app, code)]);
      const statuses = answers.map(({ answer }) => answer?.status).sort();
      expect(statuses).toEqual([200, 400]);
      expect(answers.find(({ answer }) => answer?.status === 400)!.answer!.body.error).toBe('invalid_grant');
      for (const api of [atA, atB]) expect((await api.redeem(app, code)).answer?.body.error).toBe('invalid_grant');
    }
  });

  it('rotates a refresh token raced at both processes exactly once, and refuses its reuse at the other', async () => {
    const app = await atA.createApp(SCOPE);
    const user = await atA.createUser();
    const [code] = await atA.codes(app, await atA.signIn(user), user, SCOPE, 1);
    let token = (await atA.redeem(app, code)).answer!.body.refresh_token as string;
    for (let race = 0; race < RACES; race++) {
      const answers = await Promise.all([atA.refresh(app, token), atB.refresh(app, token)]);
      expect(answers.map(({ answer }) => answer?.status).sort()).toEqual([200, 400]);
      const previous = token;
      token = answers.find(({ answer }) => answer?.status === 200)!.answer!.body.refresh_token;
      // Sequentially too: rotated at one process, the old token is refused at the other.
      const next = await (race % 2 ? atA : atB).refresh(app, token);
      expect(next.answer?.status).toBe(200);
      expect((await (race % 2 ? atB : atA).refresh(app, token)).answer?.body.error).toBe('invalid_grant');
      expect((await atB.refresh(app, previous)).answer?.body.error).toBe('invalid_grant');
      token = next.answer!.body.refresh_token;
    }
  });

  it('accepts a private_key_jwt assertion once across both processes (jti replay refused)', async () => {
    const service = await atA.createKeyService(SERVICE_SCOPE);
    for (let race = 0; race < RACES * 2; race++) {
      const body = await atA.assertionBody(service, SERVICE_SCOPE);
      const answers = await Promise.all([atA.postToken(body), atB.postToken(body)]);
      expect(answers.map(({ answer }) => answer?.status).sort()).toEqual([200, 401]);
      expect(answers.find(({ answer }) => answer?.status === 401)!.answer!.body.error).toBe('invalid_client');
    }
    const body = await atA.assertionBody(service, SERVICE_SCOPE);
    expect((await atB.postToken(body)).answer?.status).toBe(200);
    expect((await atA.postToken(body)).answer?.body.error).toBe('invalid_client');
  });

  it('honours a revocation made at the other process (introspection, /fhir, refresh)', async () => {
    const service: SecretClient = await atA.createSecretService(SERVICE_SCOPE);
    const accessToken = (await atA.clientCredentials(service, SERVICE_SCOPE)).answer!.body.access_token as string;
    // Both processes have just answered for the token, so a cached "not revoked" must expire.
    expect((await atA.introspect(service, accessToken)).answer?.body.active).toBe(true);
    expect((await atA.fhir('/Patient?_count=1', accessToken)).answer?.status).toBe(200);
    expect((await atB.fhir('/Patient?_count=1', accessToken)).answer?.status).toBe(200);
    expect((await atB.revoke(service, accessToken)).answer?.status).toBe(200);
    const revokedAt = Date.now();
    await pollUntil(
      async () => (await atA.introspect(service, accessToken)).answer?.body.active === false,
      REVOCATION_BOUND_MS,
      'introspection at A',
    );
    await pollUntil(
      async () => (await atA.fhir('/Patient?_count=1', accessToken)).answer?.status === 401,
      REVOCATION_BOUND_MS,
      '/fhir at A',
    );
    report('revocation across processes', `an access token revoked at B was refused at A after ${Date.now() - revokedAt} ms`);

    const app = await atA.createApp(SCOPE);
    const user = await atA.createUser();
    const [code] = await atA.codes(app, await atA.signIn(user), user, SCOPE, 1);
    const tokens = (await atA.redeem(app, code)).answer!.body;
    expect((await atB.fhir('/Patient?_count=1', tokens.access_token)).answer?.status).toBe(200);
    expect((await atA.revoke(app, tokens.refresh_token)).answer?.status).toBe(200);
    // RFC 7009 §2.1: the refresh token at once (stored state), the grant's access tokens within the cache bound.
    expect((await atB.refresh(app, tokens.refresh_token)).answer?.body.error).toBe('invalid_grant');
    await pollUntil(
      async () => (await atB.fhir('/Patient?_count=1', tokens.access_token)).answer?.status === 401,
      REVOCATION_BOUND_MS,
      '/fhir at B after the refresh token was revoked at A',
    );
  });
});
