import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { PageError } from '../html/page.error';
import { PageRenderer } from '../html/page-renderer';
import { OAuthError, TemporarilyUnavailableError } from './errors';
import { isUnderFhirBase } from '../http/routes';
import { ServiceUnavailableError } from './service-unavailable.error';

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

/** Routes that answer a person's browser with a page (authorization, sign-in, consent, demo). */
function isHtmlPath(url: string): boolean {
  return /^\/(authorize|login|logout|launch|apps|ehr|demo-app)?(\/|\?|$)/.test(url);
}

// PostgreSQL unreachable or going away: SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash
// shutdown, cannot connect now), 53300 (too many connections); socket errors; node-postgres pool messages.
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1234]|53300)$/;
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTCONN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// Also the driver's and TypeORM's words for a connection that died under a query or transaction: a client that
// is closed or broken "is not queryable", a query runner whose connection went is "already released".
const TRANSIENT_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|connection timeout|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error|Connection is not established|is not queryable|query runner already released|server closed the connection unexpectedly/i;

/** True when `error` (or what it wraps: TypeORM's driverError, `cause`, AggregateError) is the database being unavailable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const candidate = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof candidate.code === 'string' && (TRANSIENT_SQLSTATE.test(candidate.code) || TRANSIENT_ERRNO.has(candidate.code))) return true;
  if (typeof candidate.message === 'string' && TRANSIENT_MESSAGE.test(candidate.message)) return true;
  const inner = [candidate.driverError, candidate.cause, ...(Array.isArray(candidate.errors) ? candidate.errors : [])];
  return inner.some((value) => value !== error && isDatabaseUnavailable(value, depth + 1));
}

const RETRY_AFTER_SECONDS = 5;

export function operationOutcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

const FHIR_ISSUE_CODES: Record<number, string> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  412: 'conflict',
  413: 'too-costly',
  415: 'not-supported',
  422: 'processing',
  429: 'throttled',
};

// The one place errors become responses: RFC 6749 JSON on OAuth/API routes, an OperationOutcome under /fhir,
// a readable page for PageError. Anything unexpected is `server_error` with no internal detail.
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    if (isSelfResponding(exception)) {
      exception.respond(reply, request);
      return;
    }

    const fhir = isUnderFhirBase(request.url);
    if (exception instanceof ServiceUnavailableError) {
      this.logger.error(`${exception.message}: ${exception.cause instanceof Error ? exception.cause.message : String(exception.cause)}`);
      this.unavailable(reply, request, fhir);
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
      this.unavailable(reply, request, fhir);
      return;
    }
    if (exception instanceof PageError) {
      reply
        .status(exception.status)
        .header('Content-Type', 'text/html; charset=utf-8')
        .send(
          PageRenderer.shared().render('error', exception.title, {
            heading: exception.title,
            detail: exception.detail,
            status: exception.status,
          }),
        );
      return;
    }
    if (exception instanceof OAuthError) {
      if (exception.status >= 500) this.logger.error(exception.detail ?? exception.message);
      reply.status(exception.status).headers(exception.headers);
      reply.send(
        fhir
          ? operationOutcome(
              exception.status === 403 ? 'forbidden' : exception.status === 401 ? 'login' : 'invalid',
              exception.description ?? exception.error,
            )
          : exception.toJSON(),
      );
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const description = describeHttpException(exception);
      if (status >= 500) this.logger.error(exception.stack ?? exception.message);
      reply.status(status);
      if (fhir)
        reply
          .header('Content-Type', 'application/fhir+json; charset=utf-8')
          .send(operationOutcome(FHIR_ISSUE_CODES[status] ?? 'exception', description));
      else reply.send({ error: HTTP_ERROR_CODES[status] ?? 'server_error', error_description: description });
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    reply.status(500);
    if (fhir)
      reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(operationOutcome('exception', 'Internal server error'));
    else reply.send({ error: 'server_error' });
  }

  /** 503 + Retry-After in the form the route speaks; the client may retry the same request unchanged. */
  private unavailable(reply: FastifyReply, request: FastifyRequest, fhir: boolean): void {
    const description = 'The service is temporarily unavailable. Please retry shortly.';
    reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).header('Cache-Control', 'no-store');
    if (fhir) {
      reply.header('Content-Type', 'application/fhir+json; charset=utf-8').send(operationOutcome('transient', description));
    } else if (isHtmlPath(request.url)) {
      reply.header('Content-Type', 'text/html; charset=utf-8').send(
        PageRenderer.shared().render('error', 'Temporarily unavailable', {
          heading: 'Temporarily unavailable',
          detail: description,
          status: 503,
        }),
      );
    } else {
      reply.send(new TemporarilyUnavailableError(description, undefined, RETRY_AFTER_SECONDS).toJSON());
    }
  }
}

function describeHttpException(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
