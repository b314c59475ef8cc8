import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { PageError } from '../html/page.error';
import { PageRenderer } from '../html/page-renderer';
import { OAuthError } from './errors';

/** Errors that know how to write themselves (e.g. FHIR OperationOutcomes, redirects). */
export interface SelfRespondingError {
  respond(reply: FastifyReply, request: FastifyRequest): void;
}

function isSelfResponding(value: unknown): value is SelfRespondingError {
  return typeof (value as SelfRespondingError | null)?.respond === 'function';
}

const HTTP_ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_request',
  429: 'too_many_requests',
};

function isFhirPath(url: string): boolean {
  return /^\/fhir(\/|\?|$)/.test(url) && !url.startsWith('/fhir/.well-known/');
}

export function operationOutcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

const FHIR_ISSUE_CODES: Record<number, string> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 405: 'not-supported', 409: 'conflict', 410: 'deleted', 412: 'conflict', 413: 'too-costly', 415: 'not-supported', 422: 'processing', 429: 'throttled' };

// The one place errors become responses: RFC 6749 JSON on OAuth/API routes, an OperationOutcome under /fhir,
// a readable page for PageError. Anything unexpected is `server_error` with no internal detail.
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    if (isSelfResponding(exception)) return exception.respond(reply, request);

    const fhir = isFhirPath(request.url);
    if (exception instanceof PageError) {
      reply
        .status(exception.status)
        .header('Content-Type', 'text/html; charset=utf-8')
        .send(PageRenderer.shared().render('error', exception.title, {
          heading: exception.title,
          detail: exception.detail,
          status: exception.status,
        }));
      return;
    }
    if (exception instanceof OAuthError) {
      if (exception.status >= 500) this.logger.error(exception.detail ?? exception.message);
      reply.status(exception.status).headers(exception.headers);
      reply.send(fhir ? operationOutcome(exception.status === 403 ? 'forbidden' : exception.status === 401 ? 'login' : 'invalid', exception.description ?? exception.error) : exception.toJSON());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const description = describeHttpException(exception);
      if (status >= 500) this.logger.error(exception.stack ?? exception.message);
      reply.status(status);
      if (fhir) reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(operationOutcome(FHIR_ISSUE_CODES[status] ?? 'exception', description));
      else reply.send({ error: HTTP_ERROR_CODES[status] ?? 'server_error', error_description: description });
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    reply.status(500);
    if (fhir) reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(operationOutcome('exception', 'Internal server error'));
    else reply.send({ error: 'server_error' });
  }
}

function describeHttpException(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
