import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe (RFC 4648 base64url), so Basic auth's form-encoding leaves it unchanged. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A random identifier people will type or paste into commands (client ids): base64url like randomToken, but
 * never starting with `-`, which command lines read as an option (`clients:delete -Ab…`).
 */
export function randomIdentifier(bytes = 18): string {
  for (;;) {
    const candidate = randomToken(bytes);
    if (!candidate.startsWith('-')) return candidate;
  }
}

/** High-entropy secrets need no slow hash: SHA-256 is one-way and keeps checks in microseconds. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
