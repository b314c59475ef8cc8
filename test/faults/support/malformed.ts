// Malformed requests for every surface: OAuth, /fhir, /admin, /register, the HTML pages, and the HTTP layer
// itself. Each template is one kind of abuse; `protocol` ones are not valid HTTP at all, and the server may
// close the connection instead of answering.
import { request } from './raw-http';

export interface Template {
  name: string;
  protocol?: boolean;
  bytes: (index: number) => Buffer;
}

export interface Credentials {
  adminToken: string;
  fhirToken: string;
  clientId: string;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const FHIR_TYPE = { 'Content-Type': 'application/fhir+json' };
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const NUL = Buffer.from([0]);
const withNul = (text: string) => Buffer.concat([Buffer.from(text), NUL, Buffer.from('tail')]);

export function templates({ adminToken, fhirToken, clientId }: Credentials): Template[] {
  const admin = { Authorization: `Bearer ${adminToken}` };
  const fhir = { Authorization: `Bearer ${fhirToken}`, Accept: 'application/fhir+json' };
  const oauthForms: Array<[string, string | Buffer]> = [
    ['broken escapes', 'grant_type=%ZZ&&&==&code=%'],
    ['NUL escapes', `grant_type=authorization_code%00&code=%00&client_id=${clientId}%00`],
    ['raw NUL', withNul('grant_type=client_credentials&scope=')],
    ['invalid UTF-8', 'grant_type=%C3%28&scope=%FF%FE'],
    ['duplicated parameters', 'grant_type=refresh_token&grant_type=client_credentials&refresh_token=a&refresh_token=b'],
    [
      'garbage assertion',
      'grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c',
    ],
    [
      'assertion with a JSON header bomb',
      `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${Buffer.from(deepObject(2000)).toString('base64url')}.e30.x`,
    ],
    ['long value', `grant_type=authorization_code&code=${'A'.repeat(100_000)}`],
    ['many parameters', Array.from({ length: 3000 }, (_, i) => `p${i}=${i}`).join('&')],
    ['empty', ''],
  ];
  const list: Template[] = [];
  for (const path of ['/token', '/introspect', '/revoke']) {
    for (const [name, body] of oauthForms) list.push({ name: `POST ${path}: ${name}`, bytes: () => request('POST', path, FORM, body) });
    list.push(
      { name: `POST ${path}: broken JSON`, bytes: () => request('POST', path, JSON_TYPE, '{"grant_type":') },
      { name: `POST ${path}: deep JSON`, bytes: () => request('POST', path, JSON_TYPE, deepArray(5000)) },
      { name: `POST ${path}: XML`, bytes: () => request('POST', path, { 'Content-Type': 'text/xml' }, '<grant_type>x</grant_type>') },
      { name: `POST ${path}: no content type`, bytes: () => request('POST', path, {}, 'grant_type=client_credentials') },
      {
        name: `POST ${path}: bad Basic`,
        bytes: () => request('POST', path, { ...FORM, Authorization: 'Basic !!!' }, 'grant_type=client_credentials&token=x'),
      },
      {
        name: `POST ${path}: Basic without colon`,
        bytes: () => request('POST', path, { ...FORM, Authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }, 'token=x'),
      },
      {
        name: `POST ${path}: Basic with NUL`,
        bytes: () =>
          request(
            'POST',
            path,
            { ...FORM, Authorization: `Basic ${Buffer.from(`${clientId}\u0000:\u0000`).toString('base64')}` },
            'token=x',
          ),
      },
      { name: `DELETE ${path}`, bytes: () => request('DELETE', path) },
      { name: `GET ${path}?…`, bytes: () => request('GET', `${path}?grant_type=%00`) },
    );
  }
  list.push(
    {
      name: 'GET /authorize: NUL parameters',
      bytes: () => request('GET', `/authorize?response_type=code&client_id=%00&redirect_uri=%00&scope=%00`),
    },
    { name: 'GET /authorize: broken escapes', bytes: () => request('GET', '/authorize?%%%&response_type=%ZZ') },
    {
      name: 'GET /authorize: long query',
      bytes: () => request('GET', `/authorize?response_type=code&client_id=${clientId}&scope=${'patient%2F*.rs+'.repeat(400)}`),
    },
    {
      name: 'GET /authorize: javascript redirect',
      bytes: () => request('GET', `/authorize?response_type=code&client_id=${clientId}&redirect_uri=javascript:alert(1)&state=x`),
    },
    {
      name: 'GET /authorize: arrays',
      bytes: () => request('GET', `/authorize?response_type=code&response_type=token&client_id=${clientId}&client_id=x`),
    },
    {
      name: 'GET /authorize: invalid UTF-8',
      bytes: (i) => request('GET', `/authorize?response_type=code&client_id=${clientId}&state=%C3%28${i}`),
    },
    { name: 'POST /authorize: broken form', bytes: () => request('POST', '/authorize', FORM, withNul('response_type=code&client_id=')) },
    { name: 'POST /authorize: JSON', bytes: () => request('POST', '/authorize', JSON_TYPE, deepObject(3000)) },
    { name: 'PUT /authorize', bytes: () => request('PUT', '/authorize', FORM, 'x=1') },
    { name: 'POST /login: no CSRF token', bytes: () => request('POST', '/login', FORM, 'username=a&password=b') },
    {
      name: 'POST /login: bad cookies',
      bytes: () =>
        request('POST', '/login', { ...FORM, Cookie: `%%%;;;=;=%00; csrf=${'x'.repeat(3000)}` }, 'username=a&password=b&csrf_token=%00'),
    },
    { name: 'POST /login: JSON', bytes: () => request('POST', '/login', JSON_TYPE, '{"username":["a"],"password":{"$ne":1}}') },
    { name: 'POST /login: NUL', bytes: () => request('POST', '/login', FORM, withNul('username=admin&password=')) },
    { name: 'GET /login: NUL query', bytes: () => request('GET', '/login?next=%00&next=%ZZ') },
    { name: 'PATCH /login', bytes: () => request('PATCH', '/login', FORM, 'x') },
    {
      name: 'POST /consent: forged',
      bytes: () => request('POST', '/consent', FORM, 'decision=approve&scope=system%2F*.cruds&csrf_token=x'),
    },
    { name: 'GET /connected-apps: bad cookie', bytes: () => request('GET', '/connected-apps', { Cookie: 'session=%00%ZZ' }) },
    { name: 'GET /: odd Accept', bytes: () => request('GET', '/', { Accept: '*/*;q=%00,text/html;q=abc' }) },
    { name: 'GET /static: traversal', bytes: () => request('GET', '/static/..%2f..%2f..%2fetc%2fpasswd') },
    { name: 'GET /static: raw traversal', bytes: () => request('GET', '/static/../../package.json') },
    { name: 'GET well-known: NUL', bytes: () => request('GET', '/.well-known/openid-configuration?%00=%00') },
    { name: 'POST /register: broken JSON', bytes: () => request('POST', '/register', JSON_TYPE, '{"redirect_uris":[') },
    { name: 'POST /register: deep JSON', bytes: () => request('POST', '/register', JSON_TYPE, deepObject(10_000)) },
    {
      name: 'POST /register: wrong types',
      bytes: () => request('POST', '/register', JSON_TYPE, '{"redirect_uris":"x","grant_types":7,"jwks":{"keys":[1,2,3]},"scope":{}}'),
    },
    {
      name: 'POST /register: NUL strings',
      bytes: () => request('POST', '/register', JSON_TYPE, '{"client_name":"\\u0000","redirect_uris":["https://a.example/\\u0000"]}'),
    },
    {
      name: 'POST /register: prototype keys',
      bytes: () =>
        request(
          'POST',
          '/register',
          JSON_TYPE,
          '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"redirect_uris":["https://a.example/cb"]}',
        ),
    },
    {
      name: 'POST /register: many URIs',
      bytes: () =>
        request(
          'POST',
          '/register',
          JSON_TYPE,
          JSON.stringify({ redirect_uris: Array.from({ length: 5000 }, (_, i) => `https://a${i}.example/cb`) }),
        ),
    },
    { name: 'POST /register: text/plain', bytes: () => request('POST', '/register', { 'Content-Type': 'text/plain' }, '{}') },
    { name: 'GET /register/x: bad bearer', bytes: () => request('GET', `/register/${clientId}`, { Authorization: 'Bearer %00' }) },
    { name: 'POST /admin/clients: no token', bytes: () => request('POST', '/admin/clients', JSON_TYPE, deepArray(5000)) },
    {
      name: 'POST /admin/clients: wrong token',
      bytes: () => request('POST', '/admin/clients', { ...JSON_TYPE, Authorization: `Bearer ${'x'.repeat(64)}` }, '{}'),
    },
    {
      name: 'POST /admin/clients: broken JSON',
      bytes: () => request('POST', '/admin/clients', { ...JSON_TYPE, ...admin }, '{"client_name":'),
    },
    {
      name: 'POST /admin/clients: deep JSON',
      bytes: () => request('POST', '/admin/clients', { ...JSON_TYPE, ...admin }, deepObject(10_000)),
    },
    {
      name: 'POST /admin/clients: wrong types',
      bytes: () =>
        request(
          'POST',
          '/admin/clients',
          { ...JSON_TYPE, ...admin },
          '{"client_name":[1],"redirect_uris":{"a":1},"grant_types":"x","scope":5}',
        ),
    },
    {
      name: 'POST /admin/users: NUL',
      bytes: () =>
        request(
          'POST',
          '/admin/users',
          { ...JSON_TYPE, ...admin },
          '{"username":"a\\u0000","password":"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000","display_name":"x","fhir_user":"Patient/\\u0000","role":"patient"}',
        ),
    },
    {
      name: 'PATCH /admin/users/odd id',
      bytes: () => request('PATCH', '/admin/users/%00..%2f', { ...JSON_TYPE, ...admin }, '{"enabled":"yes"}'),
    },
    { name: 'GET /admin/clients/odd id', bytes: () => request('GET', `/admin/clients/${'%ZZ'.repeat(50)}`, admin) },
    { name: 'GET /admin/audit: bad query', bytes: () => request('GET', '/admin/audit?limit=-5&before=yesterday&event=%00', admin) },
    { name: 'POST /admin/keys/rotate: form body', bytes: () => request('PUT', '/admin/keys/rotate', { ...FORM, ...admin }, 'x=1') },
    { name: 'GET /fhir/Patient: no token', bytes: () => request('GET', '/fhir/Patient') },
    { name: 'GET /fhir/Patient: garbage token', bytes: () => request('GET', '/fhir/Patient', { Authorization: 'Bearer a.b.c' }) },
    {
      name: 'GET /fhir/Patient: DPoP garbage',
      bytes: () => request('GET', '/fhir/Patient', { Authorization: `DPoP ${fhirToken}`, DPoP: 'x.y.z' }),
    },
    {
      name: 'POST /fhir/Patient: broken JSON',
      bytes: () => request('POST', '/fhir/Patient', { ...fhir, ...FHIR_TYPE }, '{"resourceType":"Patient","name":['),
    },
    {
      name: 'POST /fhir/Patient: deep JSON',
      bytes: () =>
        request('POST', '/fhir/Patient', { ...fhir, ...FHIR_TYPE }, `{"resourceType":"Patient","extension":${deepArray(20_000)}}`),
    },
    {
      name: 'POST /fhir/Patient: NUL',
      bytes: () => request('POST', '/fhir/Patient', { ...fhir, ...FHIR_TYPE }, '{"resourceType":"Patient","name":[{"family":"\\u0000"}]}'),
    },
    {
      name: 'POST /fhir/Patient: lone surrogate',
      bytes: () => request('POST', '/fhir/Patient', { ...fhir, ...FHIR_TYPE }, '{"resourceType":"Patient","name":[{"family":"\\ud800"}]}'),
    },
    {
      name: 'POST /fhir/Patient: wrong types',
      bytes: () =>
        request(
          'POST',
          '/fhir/Patient',
          { ...fhir, ...FHIR_TYPE },
          '{"resourceType":"Patient","name":"x","birthDate":12,"identifier":{"a":1}}',
        ),
    },
    {
      name: 'POST /fhir/Patient: XML',
      bytes: () => request('POST', '/fhir/Patient', { ...fhir, 'Content-Type': 'application/fhir+xml' }, '<Patient/>'),
    },
    {
      name: 'POST /fhir: junk Bundle',
      bytes: () =>
        request(
          'POST',
          '/fhir',
          { ...fhir, ...FHIR_TYPE },
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [null, 1, 'x', { request: { method: 'BREW', url: '../../x' } }, { request: { method: 'DELETE', url: 'Patient' } }],
          }),
        ),
    },
    {
      name: 'POST /fhir: Bundle of 1000 entries',
      bytes: () =>
        request(
          'POST',
          '/fhir',
          { ...fhir, ...FHIR_TYPE },
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'batch',
            entry: Array.from({ length: 1000 }, () => ({ request: { method: 'GET', url: 'Patient' } })),
          }),
        ),
    },
    {
      name: 'PATCH /fhir/Patient/x: not an array',
      bytes: () => request('PATCH', '/fhir/Patient/x', { ...fhir, 'Content-Type': 'application/json-patch+json' }, '{"op":"add"}'),
    },
    {
      name: 'GET /fhir/Patient: bad parameters',
      bytes: () => request('GET', '/fhir/Patient?_count=abc&_sort=%00&birthdate=gt%ZZ&_include=*:*', fhir),
    },
    {
      name: 'GET /fhir/Patient: long query',
      bytes: () => request('GET', `/fhir/Patient?_id=${Array.from({ length: 700 }, (_, i) => `id${i}`).join(',')}`, fhir),
    },
    { name: 'GET /fhir/odd type and id', bytes: () => request('GET', '/fhir/%00/..%2F..%2Fetc', fhir) },
    { name: 'PROPFIND /fhir/Patient', bytes: () => request('PROPFIND', '/fhir/Patient', fhir) },
    { name: 'TRACE /fhir/metadata', bytes: () => request('TRACE', '/fhir/metadata', fhir) },
    { name: 'DELETE /fhir/Patient', bytes: () => request('DELETE', '/fhir/Patient', fhir) },
    { name: 'huge header', bytes: () => request('GET', '/health', { 'X-Pad': 'x'.repeat(100_000) }) },
    {
      name: 'many headers',
      bytes: () => request('GET', '/', Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`X-H${i}`, 'v']))),
    },
    { name: 'huge cookie on /authorize', bytes: () => request('GET', '/authorize', { Cookie: `a=${'x'.repeat(60_000)}` }) },
    { name: 'Content-Length: abc', protocol: true, bytes: () => request('POST', '/token', { ...FORM, 'Content-Length': 'abc' }, 'x=1') },
    {
      name: 'two Content-Lengths',
      protocol: true,
      bytes: () =>
        Buffer.from('POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\nx=1ab'),
    },
    {
      name: 'chunked and Content-Length',
      protocol: true,
      bytes: () =>
        Buffer.from(
          'POST /token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\nConnection: close\r\n\r\n0\r\n\r\n',
        ),
    },
    {
      name: 'bad chunk size',
      protocol: true,
      bytes: () =>
        Buffer.from(
          'POST /register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        ),
    },
    { name: 'unknown method', protocol: true, bytes: () => Buffer.from('BREW /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') },
    { name: 'bad version', protocol: true, bytes: () => Buffer.from('GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n') },
    { name: 'no version', protocol: true, bytes: () => Buffer.from('GET /health\r\n\r\n') },
    {
      name: 'absolute-form target',
      bytes: () => Buffer.from('GET http://evil.example/admin/clients HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'),
    },
    {
      name: 'header without colon',
      protocol: true,
      bytes: () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nConnection: close\r\n\r\n'),
    },
    {
      name: 'NUL in a header',
      protocol: true,
      bytes: () =>
        Buffer.concat([Buffer.from('GET /login HTTP/1.1\r\nHost: x\r\nX-A: a'), NUL, Buffer.from('b\r\nConnection: close\r\n\r\n')]),
    },
    { name: 'bare LF', protocol: true, bytes: () => Buffer.from('GET /health HTTP/1.1\nHost: x\nConnection: close\n\n') },
    {
      name: 'obs-fold',
      protocol: true,
      bytes: () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\nConnection: close\r\n\r\n'),
    },
    { name: 'HTTP/2 preface', protocol: true, bytes: () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') },
    { name: 'binary garbage', protocol: true, bytes: (i) => Buffer.from(Array.from({ length: 256 }, (_, j) => (i * 31 + j * 7) % 256)) },
    { name: 'missing Host', bytes: () => Buffer.from('GET /.well-known/jwks.json HTTP/1.1\r\nConnection: close\r\n\r\n') },
  );
  return list;
}
