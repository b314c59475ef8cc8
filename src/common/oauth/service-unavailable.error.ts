/**
 * Something a request cannot be answered without (the database, the audit trail) failed to do its part. The
 * exception filter answers it exactly as a database outage: 503 with Retry-After in the form the route speaks
 * (`temporarily_unavailable`, an OperationOutcome `transient`, or a page), so the client may retry unchanged.
 */
export class ServiceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
