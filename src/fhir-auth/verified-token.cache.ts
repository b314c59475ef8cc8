import { SmartContext } from './smart-context';

// A verified token is trusted again for at most this long without a new signature check; expiry is still
// enforced on every use and revocation is checked on every request by the guard.
const REVERIFY_AFTER_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** Skips the signature check for a token string this process verified moments ago (the guard's hot path). */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { context: SmartContext; until: number }>();

  get(token: string): SmartContext | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.context;
  }

  set(token: string, context: SmartContext): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(token, { context, until: Math.min(Date.now() + REVERIFY_AFTER_MS, context.expiresAt * 1000) });
  }
}
