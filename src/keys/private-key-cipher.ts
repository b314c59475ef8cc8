import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

// Private keys at rest: a compact JWE (dir + A256GCM) under a key derived from KEY_ENCRYPTION_SECRET.
export class PrivateKeyCipher {
  private readonly key: Uint8Array | null;

  constructor(secret: string | undefined) {
    this.key = secret
      ? new Uint8Array(hkdfSync('sha256', secret, 'smart-auth', 'signing-key-encryption', 32))
      : null;
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
      throw new Error('Signing keys are encrypted at rest but KEY_ENCRYPTION_SECRET is not set');
    }
    try {
      const { plaintext } = await compactDecrypt(value, this.key);
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new Error('KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys');
    }
  }
}
