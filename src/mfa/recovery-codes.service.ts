import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { hashToken } from '../common/crypto/random-token';

export const RECOVERY_CODE_COUNT = 10;
// Crockford's Base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand is not misread.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const NORMALISED = /^[0-9a-hjkmnp-tv-z]{16}$/;

/**
 * Recovery codes (NIST SP 800-63B §5.1.2 look-up secrets): ten per person, each 80 random bits (16 Base32
 * characters), shown once and stored only as a SHA-256 hash (the project's `hashToken`) bound to the user.
 * argon2 is not needed: its cost factor protects low-entropy human passwords from offline guessing, whereas
 * guessing an 80-bit random code from a stolen hash takes ~2^79 hashes whatever the hash costs; online
 * guessing is throttled like passwords. A code is redeemed in one atomic UPDATE … WHERE used_at IS NULL.
 */
@Injectable()
export class RecoveryCodesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Replaces every code of the person with ten new ones, returned once for display (xxxx-xxxx-xxxx-xxxx). */
  async regenerate(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomCode());
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
      await manager.query(`INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, [
        userId,
        codes.map((code) => codeHash(userId, normalise(code) as string)),
      ]);
    });
    return codes;
  }

  /** Redeems one code (single use); false for an unknown, used or malformed code. */
  async redeem(userId: string, code: string): Promise<boolean> {
    const normalised = normalise(code);
    if (!normalised) return false;
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [userId, codeHash(userId, normalised)],
    );
    return rows.length === 1;
  }

  async remaining(userId: string): Promise<number> {
    const rows: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return rows[0]?.count ?? 0;
  }

  /** Deletes every code of the person; returns how many were unused. */
  async removeAll(userId: string): Promise<number> {
    const [rows]: [Array<{ unused: boolean }>, number] = await this.dataSource.query(
      `DELETE FROM mfa_recovery_codes WHERE user_id = $1 RETURNING used_at IS NULL AS unused`,
      [userId],
    );
    return rows.filter((row) => row.unused).length;
  }
}

function randomCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = '';
  for (let index = 15; index >= 0; index--) text += ALPHABET[Number((bits >> BigInt(index * 5)) & 31n)];
  return text.match(/.{4}/g)!.join('-');
}

/** Case, spaces and hyphens do not matter; O reads as 0 and I or L as 1 (Crockford). */
export function normalise(code: string): string | null {
  if (typeof code !== 'string' || code.length > 64) return null;
  const text = code.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  return NORMALISED.test(text) ? text : null;
}

function codeHash(userId: string, normalised: string): string {
  return hashToken(`recovery-code:${userId}:${normalised}`);
}
