import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export type JwksHostBehaviour = 'keys' | 'trickle' | 'endless' | 'not-found' | 'not-json';

/**
 * A local HTTP server standing in for a client's jwks_uri (or an attacker's): serves `keys`, or misbehaves
 * (trickles, streams an endless body, 404, non-JSON). It records every request, the body bytes it managed to
 * write, and whether the other side closed the connection.
 */
export class JwksHost {
  readonly requests: IncomingHttpHeaders[] = [];
  behaviour: JwksHostBehaviour = 'keys';
  keys: object[] = [];
  cacheControl: string | null = null;
  bytesSent = 0;
  closedConnections = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Listens on 127.0.0.1 and returns `http://<host>:<port>/jwks-<random>.json`. */
  async start(host = '127.0.0.1'): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests.push(request.headers);
      response.on('close', () => (this.closedConnections += 1));
      this.answer(response);
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url(host);
  }

  url(host = '127.0.0.1'): string {
    return `http://${host}:${(this.server!.address() as AddressInfo).port}/jwks-${randomBytes(4).toString('hex')}.json`;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(response: ServerResponse): void {
    const headers = { 'Content-Type': 'application/json', ...(this.cacheControl ? { 'Cache-Control': this.cacheControl } : {}) };
    if (this.behaviour === 'not-found') {
      response.writeHead(404, headers).end('{}');
    } else if (this.behaviour === 'not-json') {
      response.writeHead(200, headers).end('<html>hello</html>');
    } else if (this.behaviour === 'trickle') {
      // One byte every 50 ms of a document that never ends.
      response.writeHead(200, headers);
      response.write('{"keys":[');
      const timer = setInterval(() => {
        if (response.destroyed) return clearInterval(timer);
        this.bytesSent += 1;
        response.write(' ');
      }, 50);
      this.timers.add(timer);
    } else if (this.behaviour === 'endless') {
      // As fast as the reader takes it, for ever (chunked: no Content-Length to refuse up front).
      response.writeHead(200, headers);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        while (!response.destroyed) {
          this.bytesSent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      response.write('{"keys":[');
      pump();
    } else {
      response.writeHead(200, headers).end(JSON.stringify({ keys: this.keys }));
    }
  }
}
