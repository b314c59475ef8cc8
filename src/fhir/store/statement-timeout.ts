import { OperationOutcomeError } from '../../fhir-auth';

// SQLSTATE 57014 query_canceled: the pool's statement_timeout (DATABASE_STATEMENT_TIMEOUT) stopped a statement.
// FHIR R4 issue type too-costly, HTTP 503: the server declined to spend more on this request; it is not a
// server fault (500), and the same request may succeed when the database is less busy (docs/fhir.md, "Limits").
export function statementTimeoutOutcome(error: unknown): OperationOutcomeError | undefined {
  if ((error as { code?: unknown } | null)?.code !== '57014') return undefined;
  return new OperationOutcomeError(
    503,
    'too-costly',
    'The request took longer than the database time the server allows; narrow the search',
  );
}

/** Runs a store query, turning a statement timeout into an OperationOutcome. */
export async function withStatementTimeout<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw statementTimeoutOutcome(error) ?? error;
  }
}
