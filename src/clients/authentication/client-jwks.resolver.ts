import { Injectable } from '@nestjs/common';
import { BoundedCache } from '../../common/cache/bounded-cache';
import { OutboundFetcher } from '../../common/outbound/outbound-fetcher';
import { OutboundJsonCache } from '../../common/outbound/outbound-json.cache';
import { Clock } from '../../common/time/clock';
import { ClientEntity } from '../client.entity';

export type ClientJwk = Record<string, unknown>;

// A client asking for a key its cached set lacks (rotation) may cause one refetch per minute, not one per request.
const REFRESH_INTERVAL_MS = 60_000;

/**
 * Keys registered by value, or fetched from the registered jwks_uri (SMART client-confidential-asymmetric: GET
 * with Accept: application/json) and cached for at least five minutes, at most 24 h (OutboundJsonCache).
 * Failures throw OutboundFetchError.
 */
@Injectable()
export class ClientJwksResolver {
  private readonly documents: OutboundJsonCache<ClientJwk[]>;
  // When each client last caused a refetch; an entry is useless once the interval has passed.
  private readonly lastRefresh: BoundedCache<string, number>;

  constructor(
    fetcher: OutboundFetcher,
    private readonly clock: Clock,
  ) {
    this.documents = new OutboundJsonCache(fetcher, clock, { parse: jwkSetKeys });
    this.lastRefresh = new BoundedCache<string, number>({ max: 10_000, ttlMs: REFRESH_INTERVAL_MS, clock });
  }

  async keysFor(client: ClientEntity): Promise<{ keys: ClientJwk[]; fromCache: boolean }> {
    if (!client.jwksUri) return { keys: (client.jwks?.keys ?? []) as ClientJwk[], fromCache: false };
    const { value, fromCache } = await this.documents.get(client.jwksUri);
    return { keys: value, fromCache };
  }

  /** The set fetched anew, or null when this client caused a refetch less than a minute ago. */
  async refreshedKeysFor(client: ClientEntity): Promise<ClientJwk[] | null> {
    if (!client.jwksUri) return null;
    const now = this.clock.now();
    const last = this.lastRefresh.get(client.clientId);
    if (last !== undefined && now - last < REFRESH_INTERVAL_MS) return null;
    this.lastRefresh.set(client.clientId, now);
    return (await this.documents.get(client.jwksUri, { refresh: true })).value;
  }
}

function jwkSetKeys(document: unknown): ClientJwk[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('not a JWK Set');
  return keys.filter((key): key is ClientJwk => typeof key === 'object' && key !== null && !Array.isArray(key));
}
