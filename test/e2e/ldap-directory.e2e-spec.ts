import { LdapDirectory } from '../../src/federation/ldap/ldap-directory';
import { LdapOutcome, LdapSettings } from '../../src/federation/ldap/ldap-settings';
import { freePort, GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, Slapd, startSilentServer, startSlapd, SUFFIX } from '../utils/slapd';

// The LDAP connector against a real OpenLDAP slapd (test/utils/slapd.ts). A missing slapd fails this file
// with a message saying what to install; it is never skipped.
describe('LDAP directory sign-in against a real slapd', () => {
  const directory = new LdapDirectory();
  let ldap: Slapd;
  let aliceDn: string;
  let starDn: string;

  beforeAll(async () => {
    ldap = await startSlapd({ tls: true });
    aliceDn = await ldap.addUser({
      uid: 'alice',
      password: 'alice-pw',
      cn: 'Alice Liddell',
      displayName: 'Dr Alice Liddell',
      mail: 'alice@example.org',
      description: 'Practitioner/alice-1',
      employeeNumber: 'E-1',
    });
    const bobDn = await ldap.addUser({ uid: 'bob', password: 'bob-pw', employeeNumber: 'E-42' });
    await ldap.addUser({ uid: 'bobby', password: 'bobby-pw', employeeNumber: 'E-42' });
    await ldap.addUser({ uid: 'admin', password: 'admin-pw' });
    starDn = await ldap.addUser({ uid: 'star', password: 'star-pw', cn: 'Star*Person' });
    await ldap.addGroup('clinicians', [aliceDn, bobDn]);
    await ldap.addGroup('staff', [aliceDn]);
    await ldap.addGroup('admins', [bobDn]);
  }, 60_000);

  afterAll(async () => {
    await ldap?.stop();
  });

  const settings = (overrides: Partial<LdapSettings> = {}): LdapSettings => ({
    url: ldap.url,
    startTls: false,
    bindDn: SERVICE_DN,
    bindPassword: SERVICE_PASSWORD,
    userBase: PEOPLE,
    userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    attributes: { username: 'uid', displayName: 'displayName', email: 'mail', fhirUser: 'description' },
    groupBase: GROUPS,
    groupFilter: null,
    tlsCaPem: null,
    timeoutMs: 3000,
    ...overrides,
  });

  const failure = (outcome: LdapOutcome) => (outcome.ok ? `signed in as ${outcome.person.dn}` : outcome.reason);

  it('signs a person in with the entryUUID as id, the mapped attributes and the groups', async () => {
    const outcome = await directory.authenticate(settings(), 'alice', 'alice-pw');
    expect(outcome).toEqual({
      ok: true,
      person: {
        id: await ldap.entryUuid(aliceDn),
        dn: aliceDn,
        username: 'alice',
        displayName: 'Dr Alice Liddell',
        fhirUser: 'Practitioner/alice-1',
        email: 'alice@example.org',
        groups: ['clinicians', 'staff'],
      },
    });
  });

  it('reads groups from memberOf when no group base is set', async () => {
    const outcome = await directory.authenticate(settings({ groupBase: null }), 'alice', 'alice-pw');
    expect(outcome.ok && outcome.person.groups).toEqual(['clinicians', 'staff']);
  });

  it('refuses a wrong password and an unknown person', async () => {
    expect(await directory.authenticate(settings(), 'alice', 'bob-pw')).toMatchObject({ ok: false, reason: 'invalid-credentials' });
    expect(await directory.authenticate(settings(), 'nobody', 'alice-pw')).toMatchObject({ ok: false, reason: 'not-found' });
  });

  it('refuses an empty password before connecting at all (an unauthenticated bind succeeds on many servers)', async () => {
    const silent = await startSilentServer();
    try {
      expect(await directory.authenticate(settings({ url: silent.url }), 'alice', '')).toMatchObject({
        ok: false,
        reason: 'invalid-credentials',
      });
      expect(silent.connections()).toBe(0);
    } finally {
      await silent.stop();
    }
    expect(await directory.authenticate(settings(), 'alice', '')).toMatchObject({ ok: false, reason: 'invalid-credentials' });
  });

  it.each([
    '*',
    'al*',
    'admin)(uid=*',
    '*)(|(uid=*',
    'alice)(|(uid=*',
    '\\2a',
    '\\61lice',
    '(alice)',
    'alice)',
    'a\u0000lice',
    'alice\u0000',
    'x)(objectClass=*',
  ])('the username %j never matches another person nor everyone', async (username) => {
    for (const password of ['alice-pw', 'admin-pw']) {
      const outcome = await directory.authenticate(settings(), username, password);
      // not-found, never ambiguous (a match-all) and never a sign-in
      expect(failure(outcome)).toBe('not-found');
    }
  });

  it('matches filter characters in a username literally', async () => {
    const byCn = settings({ userFilter: '(cn={username})' });
    const outcome = await directory.authenticate(byCn, 'Star*Person', 'star-pw');
    expect(outcome.ok && outcome.person.dn).toBe(starDn);
    expect(failure(await directory.authenticate(byCn, 'Star*', 'star-pw'))).toBe('not-found');
  });

  it('refuses over-long usernames and control characters without asking the directory', async () => {
    expect(failure(await directory.authenticate(settings(), 'a'.repeat(257), 'alice-pw'))).toBe('not-found');
    expect(failure(await directory.authenticate(settings(), 'alice\n', 'alice-pw'))).toBe('not-found');
  });

  it('refuses a filter that matches more than one entry', async () => {
    const byNumber = settings({ userFilter: '(employeeNumber={username})' });
    expect(await directory.authenticate(byNumber, 'E-42', 'bob-pw')).toMatchObject({ ok: false, reason: 'ambiguous' });
  });

  it('says misconfigured when the service password is wrong or the filter is broken', async () => {
    expect(await directory.authenticate(settings({ bindPassword: 'wrong' }), 'alice', 'alice-pw')).toMatchObject({
      ok: false,
      reason: 'misconfigured',
      detail: "the service account's password was refused",
    });
    expect(await directory.authenticate(settings({ userFilter: '(uid={username}' }), 'alice', 'alice-pw')).toMatchObject({
      ok: false,
      reason: 'misconfigured',
    });
    expect(await directory.authenticate(settings({ bindPassword: '' }), 'alice', 'alice-pw')).toMatchObject({
      ok: false,
      reason: 'misconfigured',
    });
  });

  it('answers unavailable at once when nothing listens', async () => {
    const url = `ldap://127.0.0.1:${await freePort()}`;
    const outcome = await directory.authenticate(settings({ url }), 'alice', 'alice-pw');
    expect(outcome).toEqual({ ok: false, reason: 'unavailable', detail: `cannot reach ${url}: connection refused` });
  });

  it.each([
    ['plain LDAP', false, 'ldap'],
    ['StartTLS', true, 'ldap'],
    ['LDAPS', false, 'ldaps'],
  ])('answers unavailable within the timeout when the server accepts TCP but never answers (%s)', async (_label, startTls, scheme) => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const outcome = await directory.authenticate(
        settings({ url: `${scheme}://127.0.0.1:${silent.port}`, startTls, timeoutMs: 800 }),
        'alice',
        'alice-pw',
      );
      const elapsed = Date.now() - started;
      expect(outcome).toMatchObject({ ok: false, reason: 'unavailable', detail: expect.stringContaining('within 800 ms') });
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(elapsed).toBeLessThan(2400);
    } finally {
      await silent.stop();
    }
  });

  describe('TLS', () => {
    it('signs in over StartTLS and over LDAPS with the private CA', async () => {
      const overStartTls = await directory.authenticate(settings({ startTls: true, tlsCaPem: ldap.caPem }), 'alice', 'alice-pw');
      expect(overStartTls.ok && overStartTls.person.dn).toBe(aliceDn);
      const overLdaps = await directory.authenticate(settings({ url: ldap.ldapsUrl!, tlsCaPem: ldap.caPem }), 'alice', 'alice-pw');
      expect(overLdaps.ok && overLdaps.person.groups).toEqual(['clinicians', 'staff']);
    });

    it.each([
      ['no CA set (public CAs only)', () => null],
      ['another CA', () => ldap.otherCaPem],
    ])('refuses a certificate it cannot verify: %s', async (_label, ca) => {
      for (const overrides of [{ url: ldap.ldapsUrl! }, { startTls: true }]) {
        const outcome = await directory.authenticate(settings({ ...overrides, tlsCaPem: ca() }), 'alice', 'alice-pw');
        expect(outcome).toMatchObject({ ok: false, reason: 'unavailable', detail: expect.stringContaining('is not trusted') });
      }
    });

    it('never carries on unencrypted when the directory does not offer StartTLS', async () => {
      const plain = await startSlapd();
      try {
        await plain.addUser({ uid: 'alice', password: 'alice-pw' });
        const outcome = await directory.authenticate(settings({ url: plain.url, startTls: true, groupBase: null }), 'alice', 'alice-pw');
        expect(outcome).toMatchObject({ ok: false, reason: 'misconfigured', detail: expect.stringContaining('refused StartTLS') });
      } finally {
        await plain.stop();
      }
    });

    it('refuses a trusted certificate that does not name the host connected to', async () => {
      const outcome = await directory.authenticate(settings({ url: ldap.wrongHostLdapsUrl!, tlsCaPem: ldap.caPem }), 'alice', 'alice-pw');
      expect(outcome).toMatchObject({ ok: false, reason: 'unavailable', detail: expect.stringContaining('does not name that host') });
    });
  });

  describe('check()', () => {
    it('passes for working settings, with TLS too', async () => {
      expect(await directory.check(settings())).toEqual({ ok: true, problems: [], warnings: [] });
      expect(await directory.check(settings({ startTls: true, tlsCaPem: ldap.caPem }))).toEqual({ ok: true, problems: [], warnings: [] });
    });

    it('says in plain words what is wrong', async () => {
      expect(await directory.check(settings({ bindPassword: 'wrong' }))).toMatchObject({
        ok: false,
        problems: ["the service account's password was refused"],
      });
      const missing = `ou=nobody,${SUFFIX}`;
      expect((await directory.check(settings({ userBase: missing }))).problems).toEqual([
        `the user base ${missing} does not exist (or the service account may not see it)`,
      ]);
      const url = `ldap://127.0.0.1:${await freePort()}`;
      expect(await directory.check(settings({ url }))).toMatchObject({ ok: false, problems: [`cannot reach ${url}: connection refused`] });
      expect((await directory.check(settings({ url: ldap.ldapsUrl! }))).problems).toEqual([expect.stringContaining('is not trusted')]);
      const tlsToPlainPort = ldap.url.replace('ldap:', 'ldaps:');
      expect((await directory.check(settings({ url: tlsToPlainPort, tlsCaPem: ldap.caPem }))).problems).toEqual([
        expect.stringContaining('ldaps:// versus ldap://'),
      ]);
      const broken = await directory.check(settings({ userFilter: '(uid=alice)', url: 'http://example.org' }));
      expect(broken.ok).toBe(false);
      expect(broken.problems).toEqual([expect.stringContaining('ldap://host:port'), 'the user filter must contain {username}']);
    });
  });
});
