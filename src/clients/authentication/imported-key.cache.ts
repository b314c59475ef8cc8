import { createPublicKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { BoundedCache } from '../../common/cache/bounded-cache';

const MAX_KEYS = 2000;
// Content-addressed, so never stale; the lifetime only returns the memory of keys nobody presents any more.
const KEY_LIFETIME_MS = 3600_000;

/**
 * Imported client keys, addressed by their content: importing a P-384 key validates the point and costs far
 * more than verifying one signature, and a changed or rotated key simply has a different address.
 */
export class ImportedKeyCache {
  private readonly keys = new BoundedCache<string, KeyObject>({ max: MAX_KEYS, ttlMs: KEY_LIFETIME_MS });
  // The JWK objects of a cached client or JWK Set are the same from request to request: skip the address.
  private readonly byObject = new WeakMap<object, KeyObject>();

  /** The public key with exactly the members `pick(jwk)` keeps; throws when they are not a valid public key. */
  import(jwk: JWK, pick: (jwk: JWK) => JWK): KeyObject {
    const known = this.byObject.get(jwk);
    if (known) return known;
    const members = pick(jwk);
    const address = JSON.stringify(members, Object.keys(members).sort());
    let key = this.keys.get(address);
    if (!key) {
      key = createPublicKey({ key: members as never, format: 'jwk' });
      this.keys.set(address, key);
    }
    this.byObject.set(jwk, key);
    return key;
  }
}
