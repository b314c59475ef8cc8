import { Logger } from '@nestjs/common';
import { LookupAddress, promises as dns } from 'node:dns';
import { IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { isAddressAllowed, isLoopbackAddress } from './outbound-address';
import { OutboundFetchError } from './outbound-fetch.error';
import { OutboundPolicy } from './outbound-policy';
import { hostOf, outboundUrlRefusal } from './outbound-url';

export interface OutboundFetchLimits {
  /** One deadline for the whole fetch: DNS, connect, TLS, headers and body. */
  deadlineMs: number;
  /** Bytes of body read at most; the connection is closed as soon as one more arrives. */
  maxBytes: number;
  /** Fetches in flight at once in this process; more fail at once. */
  maxConcurrent: number;
}

export const DEFAULT_OUTBOUND_FETCH_LIMITS: OutboundFetchLimits = Object.freeze({
  deadlineMs: 5000,
  maxBytes: 256 * 1024,
  maxConcurrent: 32,
});

export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface OutboundJsonResponse {
  json: unknown;
  headers: IncomingHttpHeaders;
  /** Bytes of body read. */
  size: number;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * GET of a JSON document at a URL someone else chose (a client's jwks_uri): the target is checked before DNS
 * (scheme, literal address) and every resolved address is checked before connecting, and the connection goes
 * to the checked address, so a name cannot be re-bound to an internal one in between. No redirects are
 * followed, no compression is accepted, and the size and deadline are enforced while the body streams in.
 */
export class OutboundFetcher {
  private readonly logger = new Logger(OutboundFetcher.name);
  private active = 0;

  constructor(
    private readonly policy: OutboundPolicy,
    private readonly limits: OutboundFetchLimits = DEFAULT_OUTBOUND_FETCH_LIMITS,
    private readonly resolveHost: HostResolver = systemResolver,
  ) {}

  async getJson(url: string, accept = 'application/json'): Promise<OutboundJsonResponse> {
    const { body, headers } = await this.exchange(url, { method: 'GET', headers: { Accept: accept } }, true);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      this.logger.debug(`GET ${url} failed: the body is not JSON`);
      throw new OutboundFetchError('the body is not JSON');
    }
    return { json, headers, size: body.length };
  }

  /**
   * Any request to an operator-chosen URL (an identity provider's token or userinfo endpoint), under the same
   * checks and limits; every status is answered (an OAuth error is a 400 with a JSON body), never a redirect
   * followed.
   */
  request(url: string, request: OutboundRequest): Promise<OutboundResponse> {
    return this.exchange(url, request, false);
  }

  private async exchange(url: string, request: OutboundRequest, requireOk: boolean): Promise<OutboundResponse> {
    try {
      const refusal = outboundUrlRefusal(url, this.policy);
      if (refusal) throw new Error(`the URL ${refusal}`);
      if (this.active >= this.limits.maxConcurrent) throw new Error(`${this.active} outbound fetches already in flight`);
      this.active += 1;
      try {
        return await this.send(new URL(url), request, requireOk);
      } finally {
        this.active -= 1;
      }
    } catch (error) {
      const detail = error instanceof OutboundFetchError ? error.detail : (error as Error).message;
      this.logger.debug(`${request.method} ${url} failed: ${detail}`);
      throw error instanceof OutboundFetchError ? error : new OutboundFetchError(detail);
    }
  }

  private send(url: URL, outbound: OutboundRequest, requireOk: boolean): Promise<OutboundResponse> {
    const { deadlineMs, maxBytes } = this.limits;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const literal = isIP(hostOf(url)) !== 0;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, result?: OutboundResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request.destroy();
          reject(error);
        } else {
          resolve(result!);
        }
      };
      const timer = setTimeout(() => finish(new Error(`no complete answer within ${deadlineMs} ms`)), deadlineMs);
      // A fresh connection each time (no agent): a pooled socket could have been opened by code without these checks.
      const request = send(url, {
        method: outbound.method,
        agent: false,
        headers: { Accept: 'application/json', ...outbound.headers, 'Accept-Encoding': 'identity', 'User-Agent': 'smart-auth' },
        ...(literal ? {} : { lookup: this.checkedLookup(url.protocol === 'http:') }),
      });
      request.on('error', (error) => finish(error));
      request.on('response', (response: IncomingMessage) => {
        const refusal = responseRefusal(response, maxBytes, requireOk);
        if (refusal) return finish(new Error(refusal));
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return finish(new Error(`the body is larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        response.on('aborted', () => finish(new Error('the connection closed before the body ended')));
        response.on('error', (error) => finish(error));
        response.on('end', () =>
          finish(null, { status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }),
        );
      });
      request.end(outbound.body);
    });
  }

  // Every address the name resolves to must be allowed (and loopback for plain http); the socket then connects
  // to one of exactly those addresses.
  private checkedLookup(plainHttp: boolean): LookupFunction {
    return (hostname, options, callback) => {
      this.resolveHost(hostname).then(
        (resolved) => {
          const addresses = resolved.filter((entry) => !options.family || entry.family === options.family);
          const refused = addresses.find(
            (entry) => !isAddressAllowed(entry.address, this.policy) || (plainHttp && !isLoopbackAddress(entry.address)),
          );
          if (addresses.length === 0 || refused) {
            const reason = refused
              ? `${hostname} resolves to ${refused.address}, which is not allowed`
              : `${hostname} has no usable address`;
            return callback(Object.assign(new Error(reason), { code: 'EOUTBOUNDREFUSED' }), '', 0);
          }
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
  }
}

function responseRefusal(response: IncomingMessage, maxBytes: number, requireOk: boolean): string | null {
  // RFC 9110 §15.4: a redirect is not followed; the registered URL is the document.
  if (requireOk ? response.statusCode !== 200 : (response.statusCode ?? 0) >= 300 && (response.statusCode ?? 0) < 400)
    return `the server answered ${response.statusCode}`;
  const encoding = response.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') return `the body is ${encoding}-encoded`;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return `the declared body of ${declared} bytes is larger than ${maxBytes}`;
  return null;
}
