import { FastifyReply } from 'fastify';

/** Answers of the pages' own fetch() calls: never cached; errors carry a code and a sentence the page shows. */
export function sendJson(reply: FastifyReply, status: number, body: object): void {
  reply.status(status).header('Cache-Control', 'no-store').type('application/json; charset=utf-8').send(body);
}

export function sendJsonError(reply: FastifyReply, status: number, error: string, message: string): void {
  sendJson(reply, status, { error, message });
}

export function bodyOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
