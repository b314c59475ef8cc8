import { createPublicKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

const MAX_KEYS = 2000;

/**
 * Imported client keys, addressed by their content: importing a P-384 key validates the point and costs far
 * more than verifying one signature, and a changed or rotated key simply has a different address.
 */
export class ImportedKeyCache {
  private readonly keys = new Map<string, KeyObject>();

  /** Throws when the JWK is not a valid public key. */
  import(jwk: JWK): KeyObject {
    const address = JSON.stringify(jwk, Object.keys(jwk).sort());
    let key = this.keys.get(address);
    if (!key) {
      key = createPublicKey({ key: jwk as never, format: 'jwk' });
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      this.keys.set(address, key);
    }
    return key;
  }
}
