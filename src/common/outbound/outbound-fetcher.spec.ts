import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { OutboundFetcher } from './outbound-fetcher';
import { OutboundFetchError } from './outbound-fetch.error';

// Real sockets against a local server; only the target rule is relaxed to reach it.
describe('OutboundFetcher', () => {
  let server: Server;
  let base: string;
  let answer: (response: ServerResponse) => void;
  const seen: IncomingHttpHeaders[] = [];
  const local = { allowPrivateNetworks: true, allowHttpLoopback: true };

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      answer(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const fetcher = (limits = { deadlineMs: 2000, maxBytes: 1024, maxConcurrent: 4 }) => new OutboundFetcher(local, limits);

  it('returns the JSON document and asks for identity encoding', async () => {
    answer = (response) =>
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' }).end('{"keys":[]}');
    const result = await fetcher().getJson(`${base}/jwks`);
    expect(result).toMatchObject({ json: { keys: [] }, size: 11 });
    expect(result.headers['cache-control']).toBe('max-age=60');
    expect(seen.at(-1)).toMatchObject({ accept: 'application/json', 'accept-encoding': 'identity' });
  });

  it.each([
    ['a redirect (not followed)', (response: ServerResponse) => response.writeHead(302, { Location: 'http://169.254.169.254/' }).end()],
    ['a declared oversize body', (response: ServerResponse) => response.writeHead(200, { 'Content-Length': '999999' }).end()],
    ['a compressed body', (response: ServerResponse) => response.writeHead(200, { 'Content-Encoding': 'gzip' }).end('x')],
    ['a body over the cap', (response: ServerResponse) => response.writeHead(200).end(`{"keys":"${'x'.repeat(2000)}"}`)],
    ['not JSON', (response: ServerResponse) => response.writeHead(200).end('<html>')],
  ])('fails on %s with the one error text', async (_, behaviour) => {
    answer = behaviour;
    const failure = await fetcher()
      .getJson(`${base}/jwks`)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OutboundFetchError);
    expect((failure as Error).message).toBe('The document could not be retrieved');
  });

  it('refuses more fetches in flight than allowed', async () => {
    const held: ServerResponse[] = [];
    answer = (response) => held.push(response);
    const limited = fetcher({ deadlineMs: 2000, maxBytes: 1024, maxConcurrent: 1 });
    const first = limited.getJson(`${base}/slow`);
    await expect(limited.getJson(`${base}/slow`)).rejects.toBeInstanceOf(OutboundFetchError);
    while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
    held[0].writeHead(200).end('{}');
    await expect(first).resolves.toMatchObject({ json: {} });
  });

  it('refuses a target outside the policy before connecting', async () => {
    const before = seen.length;
    const strict = new OutboundFetcher({ allowPrivateNetworks: false, allowHttpLoopback: true });
    await expect(strict.getJson(`${base}/jwks`)).rejects.toBeInstanceOf(OutboundFetchError);
    expect(seen.length).toBe(before);
  });
});
