import { ChildProcess, execFile, spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, NoSuchObjectError } from 'ldapts';
import { makeCertificates } from './test-certificates';

const run = promisify(execFile);

export const SLAPD = process.env.SLAPD_PATH ?? '/usr/sbin/slapd';
const SLAPPASSWD = process.env.SLAPPASSWD_PATH ?? '/usr/sbin/slappasswd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const READY_WITHIN_MS = 15_000;

export const SUFFIX = 'dc=example,dc=org';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const SERVICE_DN = `cn=reader,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'reader-secret';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = 'admin-secret';

export interface DirectoryUser {
  uid: string;
  password: string;
  cn?: string;
  sn?: string;
  displayName?: string;
  mail?: string;
  employeeNumber?: string;
  description?: string;
}

export interface SlapdOptions {
  /** Generate a throwaway CA and server certificate (IP:127.0.0.1) and listen for LDAPS too. */
  tls?: boolean;
}

export interface Slapd {
  /** ldap://127.0.0.1:port (StartTLS is offered there when tls was asked for). */
  url: string;
  /** ldaps://127.0.0.1:port, when tls was asked for. */
  ldapsUrl: string | null;
  /** The same LDAPS listener on 127.0.0.2, a name the certificate does not carry. */
  wrongHostLdapsUrl: string | null;
  /** The CA that signed the server certificate, and a CA that did not. */
  caPem: string | null;
  otherCaPem: string | null;
  /** Adds an inetOrgPerson under ou=people with a {SSHA} password; returns its DN. */
  addUser(user: DirectoryUser): Promise<string>;
  /** Adds a groupOfNames under ou=groups whose members are the given DNs; returns its DN. */
  addGroup(cn: string, memberDns: string[]): Promise<string>;
  /** Adds a member to the groupOfNames `cn` under ou=groups, creating the group when it does not exist yet. */
  addToGroup(cn: string, memberDn: string): Promise<void>;
  /** The entry's entryUUID as the directory reports it. */
  entryUuid(dn: string): Promise<string>;
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (never the well-known 389 or 636). */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (port !== 389 && port !== 636) return port;
  }
}

/** A server that accepts TCP connections and never answers a byte; it counts the connections it got. */
export async function startSilentServer(): Promise<{ url: string; port: number; connections(): number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function requireTool(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new Error(
      `${what} not found at ${path}: install it with "apt-get install -y slapd ldap-utils" (or set SLAPD_PATH/SLAPPASSWD_PATH)`,
    );
  }
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function hashPassword(password: string): Promise<string> {
  const { stdout } = await run(SLAPPASSWD, ['-h', '{SSHA}', '-s', password]);
  return stdout.trim();
}

async function moduleLines(): Promise<string> {
  // Debian builds the mdb backend and the memberof overlay as modules; other builds may link them in.
  const lines = [`modulepath ${MODULE_DIR}`];
  for (const name of ['back_mdb', 'memberof']) {
    try {
      await access(join(MODULE_DIR, `${name}.la`));
      lines.push(`moduleload ${name}`);
    } catch {
      // built in
    }
  }
  return lines.join('\n');
}

function slapdConfig(dir: string, modules: string, tls: { ca: string; cert: string; key: string } | null): string {
  return `${['core', 'cosine', 'inetorgperson', 'nis'].map((schema) => `include ${SCHEMA_DIR}/${schema}.schema`).join('\n')}
${modules}
pidfile ${join(dir, 'slapd.pid')}
argsfile ${join(dir, 'slapd.args')}
${tls ? `TLSCACertificateFile ${tls.ca}\nTLSCertificateFile ${tls.cert}\nTLSCertificateKeyFile ${tls.key}` : ''}

database mdb
maxsize 16777216
suffix "${SUFFIX}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory ${join(dir, 'db')}
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
access to attrs=userPassword
  by anonymous auth
  by self write
  by * none
access to *
  by dn.exact="${SERVICE_DN}" read
  by self read
  by * none
`;
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`slapd exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    const client = new Client({ url, connectTimeout: 500, timeout: 500 });
    try {
      await client.search('', { scope: 'base', attributes: ['namingContexts'] });
      return;
    } catch (error) {
      last = error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slapd did not answer on ${url} within ${READY_WITHIN_MS} ms (${String(last)}): ${log()}`);
}

async function asAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url, connectTimeout: 5000, timeout: 5000 });
  try {
    await client.bind(ADMIN_DN, ADMIN_PASSWORD);
    return await work(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function seed(url: string): Promise<void> {
  const servicePassword = await hashPassword(SERVICE_PASSWORD);
  await asAdmin(url, async (client) => {
    await client.add(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example Organisation' });
    for (const ou of ['people', 'groups', 'services']) await client.add(`ou=${ou},${SUFFIX}`, { objectClass: 'organizationalUnit', ou });
    await client.add(SERVICE_DN, {
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: 'reader',
      userPassword: servicePassword,
    });
  });
}

/**
 * A real OpenLDAP slapd in a temporary directory (slapd.conf, mdb backend, the core/cosine/inetorgperson/nis
 * schemas, the memberof overlay) on free ports of the loopback interface, seeded with dc=example,dc=org,
 * ou=people, ou=groups and a read-only service account. stop() kills it and removes the directory.
 */
export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  await requireTool(SLAPD, 'slapd (OpenLDAP server)');
  await requireTool(SLAPPASSWD, 'slappasswd');
  const dir = await mkdtemp(join(tmpdir(), 'smart-auth-slapd-'));
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, 'db'));
    const tls = options.tls ? await makeCertificates(dir) : null;
    await writeFile(join(dir, 'slapd.conf'), slapdConfig(dir, await moduleLines(), tls));
    const port = await freePort();
    const ldapsPort = tls ? await freePort() : null;
    const url = `ldap://127.0.0.1:${port}`;
    const listeners = [`${url}/`, ...(ldapsPort ? [`ldaps://127.0.0.1:${ldapsPort}/`, `ldaps://127.0.0.2:${ldapsPort}/`] : [])];
    // -d keeps slapd in the foreground, as this process's child; level 0 logs only failures.
    child = spawn(SLAPD, ['-f', join(dir, 'slapd.conf'), '-h', listeners.join(' '), '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    await waitUntilReady(url, child, () => log);
    await seed(url);
    return {
      url,
      ldapsUrl: ldapsPort ? `ldaps://127.0.0.1:${ldapsPort}` : null,
      wrongHostLdapsUrl: ldapsPort ? `ldaps://127.0.0.2:${ldapsPort}` : null,
      caPem: tls ? await readFile(tls.ca, 'utf8') : null,
      otherCaPem: tls ? await readFile(tls.otherCa, 'utf8') : null,
      addUser: async (user) => {
        if (!SAFE_NAME.test(user.uid)) throw new Error(`test uid ${user.uid} must be plain letters and digits`);
        const dn = `uid=${user.uid},${PEOPLE}`;
        const entry: Record<string, string | string[]> = {
          objectClass: ['inetOrgPerson'],
          uid: user.uid,
          cn: user.cn ?? user.uid,
          sn: user.sn ?? user.uid,
          userPassword: await hashPassword(user.password),
        };
        for (const key of ['displayName', 'mail', 'employeeNumber', 'description'] as const) if (user[key]) entry[key] = user[key]!;
        await asAdmin(url, (client) => client.add(dn, entry));
        return dn;
      },
      addGroup: async (cn, memberDns) => {
        if (!SAFE_NAME.test(cn)) throw new Error(`test group ${cn} must be plain letters and digits`);
        const dn = `cn=${cn},${GROUPS}`;
        await asAdmin(url, (client) => client.add(dn, { objectClass: 'groupOfNames', cn, member: memberDns }));
        return dn;
      },
      addToGroup: async (cn, memberDn) => {
        if (!SAFE_NAME.test(cn)) throw new Error(`test group ${cn} must be plain letters and digits`);
        const dn = `cn=${cn},${GROUPS}`;
        await asAdmin(url, async (client) => {
          try {
            await client.modify(dn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
          } catch (error) {
            if (!(error instanceof NoSuchObjectError)) throw error;
            await client.add(dn, { objectClass: 'groupOfNames', cn, member: [memberDn] });
          }
        });
      },
      entryUuid: (dn) =>
        asAdmin(url, async (client) => {
          const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['entryUUID'] });
          return String(searchEntries[0].entryUUID);
        }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
