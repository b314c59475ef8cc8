import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throwaway CA, a server certificate it signed (for IP:127.0.0.1 only), and an unrelated CA. */
export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
  otherCa: string;
}

const CERT_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
authorityKeyIdentifier = keyid
`;

/** Made with the openssl CLI in `dir`: P-256 keys, valid two days. */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  try {
    await run('openssl', ['version']);
  } catch {
    throw new Error('openssl not found: install it with "apt-get install -y openssl" to test LDAPS and StartTLS');
  }
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await writeFile(path('openssl.cnf'), CERT_CONFIG);
  const selfSigned = (name: string, subject: string) =>
    run('openssl', [
      'req',
      '-x509',
      '-config',
      path('openssl.cnf'),
      '-extensions',
      'ca',
      ...ec,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.pem`),
      '-days',
      '2',
      '-subj',
      subject,
    ]);
  await selfSigned('ca', '/CN=smart-auth test CA');
  await selfSigned('other-ca', '/CN=some other CA');
  await run('openssl', [
    'req',
    '-new',
    '-config',
    path('openssl.cnf'),
    ...ec,
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path('server.pem'),
    '-days',
    '2',
    '-extfile',
    path('openssl.cnf'),
    '-extensions',
    'server',
  ]);
  return { ca: path('ca.pem'), cert: path('server.pem'), key: path('server.key'), otherCa: path('other-ca.pem') };
}
