import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Clock } from '../time/clock';
import { OutboundFetcher } from './outbound-fetcher';
import { OutboundFetchError } from './outbound-fetch.error';
import { OutboundJsonCache } from './outbound-json.cache';

class TestClock extends Clock {
  at = 1_000_000;
  override now(): number {
    return this.at;
  }
}

// A real fetcher against a local server; the clock is the only thing the test controls.
describe('OutboundJsonCache', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  let answer: (response: ServerResponse) => void;
  let clock: TestClock;
  let cache: OutboundJsonCache<number>;

  beforeAll(async () => {
    server = createServer((_, response) => {
      requests += 1;
      answer(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests = 0;
    clock = new TestClock();
    const fetcher = new OutboundFetcher({ allowPrivateNetworks: true, allowHttpLoopback: true });
    cache = new OutboundJsonCache(fetcher, clock, {
      parse: (json) => {
        if (typeof (json as { n?: unknown }).n !== 'number') throw new Error('no n');
        return (json as { n: number }).n;
      },
    });
  });

  it('shares one fetch among concurrent callers and keeps the result at least five minutes', async () => {
    answer = (response) => response.writeHead(200, { 'Cache-Control': 'no-store' }).end('{"n":1}');
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.get(url)));
    expect(results.map((result) => result.value)).toEqual(new Array(10).fill(1));
    expect(requests).toBe(1);
    clock.at += 299_000;
    await expect(cache.get(url)).resolves.toEqual({ value: 1, fromCache: true });
    clock.at += 2_000;
    await expect(cache.get(url)).resolves.toEqual({ value: 1, fromCache: false });
    expect(requests).toBe(2);
  });

  it('remembers a failure for 30 s, and a document that does not parse is a failure', async () => {
    answer = (response) => response.writeHead(200).end('{"other":1}');
    await expect(cache.get(url)).rejects.toBeInstanceOf(OutboundFetchError);
    answer = (response) => response.writeHead(200).end('{"n":2}');
    await expect(cache.get(url)).rejects.toBeInstanceOf(OutboundFetchError);
    expect(requests).toBe(1);
    clock.at += 31_000;
    await expect(cache.get(url)).resolves.toEqual({ value: 2, fromCache: false });
  });

  it('keeps a fresh document when a forced refresh fails', async () => {
    answer = (response) => response.writeHead(200).end('{"n":3}');
    await cache.get(url);
    answer = (response) => response.writeHead(500).end();
    await expect(cache.get(url, { refresh: true })).rejects.toBeInstanceOf(OutboundFetchError);
    await expect(cache.get(url)).resolves.toEqual({ value: 3, fromCache: true });
  });
});
