import { FastifyReply } from 'fastify';

export type IssueCode =
  | 'invalid'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'not-supported'
  | 'deleted'
  | 'conflict'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'processing'
  | 'too-costly';

/** An error under the FHIR base that writes itself as an OperationOutcome (FHIR R4 http.html#Status). */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly code: IssueCode,
    readonly diagnostics: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(diagnostics);
    this.name = 'OperationOutcomeError';
  }

  static invalid(diagnostics: string): OperationOutcomeError {
    return new OperationOutcomeError(400, 'invalid', diagnostics);
  }

  static notFound(diagnostics: string): OperationOutcomeError {
    return new OperationOutcomeError(404, 'not-found', diagnostics);
  }

  outcome(): Record<string, unknown> {
    return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: this.code, diagnostics: this.diagnostics }] };
  }

  respond(reply: FastifyReply): void {
    reply.status(this.status).headers(this.headers).header('Content-Type', 'application/fhir+json; charset=utf-8').send(this.outcome());
  }
}

// RFC 6750 §3.1: a request with no authentication information gets a challenge without an error code.
export function missingTokenError(realm: string): OperationOutcomeError {
  return new OperationOutcomeError(401, 'login', 'A bearer access token is required', {
    'WWW-Authenticate': `Bearer realm="${quote(realm)}"`,
  });
}

// RFC 6750 §3: the challenge names the realm, the error and, for 403, a scope that would do.
export function invalidTokenError(realm: string, description: string): OperationOutcomeError {
  return new OperationOutcomeError(401, 'login', description, {
    'WWW-Authenticate': `Bearer realm="${quote(realm)}", error="invalid_token", error_description="${quote(description)}"`,
  });
}

export function insufficientScopeError(realm: string, scope: string, description?: string): OperationOutcomeError {
  return new OperationOutcomeError(403, 'forbidden', description ?? `The access token does not grant ${scope}`, {
    'WWW-Authenticate': `Bearer realm="${quote(realm)}", error="insufficient_scope", scope="${quote(scope)}"`,
  });
}

function quote(value: string): string {
  return value.replace(/["\\]/g, "'");
}
