import { CryptoKey, importJWK, JWK } from 'jose';

const MAX_KEYS = 2000;

/**
 * Imported client keys, addressed by their content: importing a P-384 key validates the point and costs far
 * more than verifying one signature, and a changed or rotated key simply has a different address.
 */
export class ImportedKeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey | Uint8Array>>();

  import(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
    const address = `${alg}|${JSON.stringify(jwk, Object.keys(jwk).sort())}`;
    let key = this.keys.get(address);
    if (!key) {
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      key = importJWK(jwk, alg);
      this.keys.set(address, key);
      key.catch(() => this.keys.delete(address));
    }
    return key;
  }
}
