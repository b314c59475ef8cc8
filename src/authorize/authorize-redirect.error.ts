import { FastifyReply } from 'fastify';
import { PageRenderer } from '../common/html/page-renderer';
import { buildRedirectUrl } from '../common/oauth/redirect-url';

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
    /**
     * RFC 9700 §4.11.2: for an unverified (dynamically registered) app, an error the person has not seen the app
     * for is shown as a page instead of redirecting, so /authorize is no open redirector to any registered URI.
     */
    readonly showPage = false,
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
    if (this.showPage) {
      const title = 'Authorization error';
      reply
        .status(400)
        .header('Cache-Control', 'no-store')
        .header('Content-Type', 'text/html; charset=utf-8')
        .send(PageRenderer.shared().render('error', title, { heading: title, detail: `${this.description} (${this.error})`, status: 400 }));
      return;
    }
    reply.status(302).header('Cache-Control', 'no-store').header('Location', this.location).send();
  }
}
