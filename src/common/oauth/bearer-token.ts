/** RFC 6750 §2.1: the token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  return /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization)?.[1] ?? null;
}
