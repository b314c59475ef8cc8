// A verified token is trusted again for at most this long without a new signature check; expiry is still
// enforced on every use, and callers check revocation on every request.
const REVERIFY_AFTER_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** Skips the signature check for a token string this process verified moments ago (guard and introspection hot paths). */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAtSeconds: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(token, { value, until: Math.min(Date.now() + REVERIFY_AFTER_MS, expiresAtSeconds * 1000) });
  }
}
