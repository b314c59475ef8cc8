import { connect } from 'node:net';

export interface RawAnswer {
  /** The HTTP status of the first response, or undefined when the connection closed without one. */
  status?: number;
  error?: string;
  ms: number;
}

/** One request as raw bytes on a new connection; the answer's status line, within `boundMs`. */
export function rawRequest(port: number, bytes: Buffer, boundMs = 10_000): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let settled = false;
    const done = (answer: Omit<RawAnswer, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...answer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done({ status: statusOf(head), error: 'timeout' }), boundMs);
    socket.on('connect', () => socket.write(bytes, () => undefined));
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 64) head += chunk.toString('latin1', 0, 64);
      // The status line is all we need; 100 Continue is not a final answer.
      const status = statusOf(head);
      if (status !== undefined && status !== 100) done({ status });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done({ status: statusOf(head), error: error.code ?? error.message }));
    socket.on('close', () => done({ status: statusOf(head) }));
  });
}

function statusOf(head: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
  return match ? Number(match[1]) : undefined;
}

export function request(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Buffer {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (payload && !Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name)))
    lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload ?? Buffer.alloc(0)]);
}
