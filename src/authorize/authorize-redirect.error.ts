import { FastifyReply } from 'fastify';
import { buildRedirectUrl } from './redirect-url';

/**
 * RFC 6749 §4.1.2.1: once client_id and redirect_uri are trusted, errors go back to the app, with the exact
 * `state` and (RFC 9207) `iss`. Writes itself, so the global filter never turns it into JSON.
 */
export class AuthorizeRedirectError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly error: string,
    readonly description: string,
    readonly state: string | undefined,
    readonly issuer: string,
  ) {
    super(description);
    this.name = 'AuthorizeRedirectError';
  }

  get location(): string {
    return buildRedirectUrl(this.redirectUri, {
      error: this.error,
      error_description: this.description,
      state: this.state,
      iss: this.issuer,
    });
  }

  respond(reply: FastifyReply): void {
    reply.status(302).header('Cache-Control', 'no-store').header('Location', this.location).send();
  }
}
