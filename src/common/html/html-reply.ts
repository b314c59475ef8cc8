import { FastifyReply } from 'fastify';
import { PageError } from './page.error';
import { PageRenderer } from './page-renderer';

/** Pages of the authorization flow are personal and never cached (RFC 6749 §10.12 forms, RFC 9111). */
export function sendPage(reply: FastifyReply, view: string, title: string, context: Record<string, unknown>, status = 200): void {
  reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(PageRenderer.shared().render(view, title, context));
}

export function seeOther(reply: FastifyReply, location: string): void {
  // A Location Node cannot send (CR/LF, non-Latin-1) would fail inside send(), past the error filter, as a raw
  // Fastify error (a 500); a URL reference is printable ASCII anyway (RFC 3986).
  if (!/^[\x21-\x7e]+$/.test(location))
    throw new PageError(400, 'Invalid request', 'The request carried characters that cannot be part of an address.');
  reply.status(303).header('Cache-Control', 'no-store').header('Location', location).send();
}
