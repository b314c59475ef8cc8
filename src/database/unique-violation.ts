/** PostgreSQL SQLSTATE 23505: an INSERT or UPDATE hit a unique constraint (as raised by pg or wrapped by TypeORM). */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: string; driverError?: { code?: string } };
  return (candidate.driverError?.code ?? candidate.code) === '23505';
}
