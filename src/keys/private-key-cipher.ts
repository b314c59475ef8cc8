import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

/** What a cipher protects: its own HKDF key (domain separation) and the words its errors use. */
export interface CipherPurpose {
  hkdfInfo: string;
  what: string;
}

const SIGNING_KEYS: CipherPurpose = { hkdfInfo: 'signing-key-encryption', what: 'signing keys' };

// Secrets at rest: a compact JWE (dir + A256GCM) under a key derived from KEY_ENCRYPTION_SECRET. Each purpose
// (signing keys, TOTP secrets, …) derives its own key from that secret.
export class PrivateKeyCipher {
  private readonly key: Uint8Array | null;

  constructor(
    secret: string | undefined,
    private readonly purpose: CipherPurpose = SIGNING_KEYS,
  ) {
    this.key = secret ? new Uint8Array(hkdfSync('sha256', secret, 'smart-auth', purpose.hkdfInfo, 32)) : null;
  }

  get enabled(): boolean {
    return this.key !== null;
  }

  async seal(plaintext: string): Promise<{ value: string; encrypted: boolean }> {
    if (!this.key) return { value: plaintext, encrypted: false };
    const jwe = await new CompactEncrypt(new TextEncoder().encode(plaintext))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.key);
    return { value: jwe, encrypted: true };
  }

  async open(value: string, encrypted: boolean): Promise<string> {
    if (!encrypted) return value;
    if (!this.key) {
      throw new Error(`${capitalized(this.purpose.what)} are encrypted at rest but KEY_ENCRYPTION_SECRET is not set`);
    }
    try {
      const { plaintext } = await compactDecrypt(value, this.key);
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new Error(`KEY_ENCRYPTION_SECRET does not decrypt the stored ${this.purpose.what}`);
    }
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
