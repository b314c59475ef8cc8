import { createLocalJWKSet, errors, JSONWebKeySet, JWSHeaderParameters } from 'jose';
import { fetchJson } from './remote-json';

/** The published keys are re-read this often, and an unknown `kid` (a rotation) re-reads them at most every 10 s. */
const MAX_AGE_MS = 5 * 60_000;
const MIN_REFETCH_MS = 10_000;

type KeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * The authorization server's JWKS for a resource server outside this process: one document, selected from and
 * imported by jose. A failed fetch keeps the previous keys, so an outage of the JWKS URL does not end every token.
 */
export class RemoteJwks {
  private keys: KeySet | undefined;
  private fetchedAt = -Infinity;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly clock: { now(): number } = Date,
  ) {}

  /** jose key resolver: the key named by the header's `kid` (required, as for this server's own tokens). */
  readonly key = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey();
    const age = this.clock.now() - this.fetchedAt;
    if (!this.keys || age > MAX_AGE_MS) await this.refresh();
    try {
      return await this.current()(header);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || this.clock.now() - this.fetchedAt <= MIN_REFETCH_MS) throw error;
      await this.refresh();
      return this.current()(header);
    }
  };

  private current(): KeySet {
    if (!this.keys) throw new errors.JWKSNoMatchingKey();
    return this.keys;
  }

  private refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async load(): Promise<void> {
    this.fetchedAt = this.clock.now();
    try {
      this.keys = createLocalJWKSet((await fetchJson(this.url)) as JSONWebKeySet);
    } catch {
      // Keep the previous keys; the next unknown kid retries after MIN_REFETCH_MS.
    }
  }
}
