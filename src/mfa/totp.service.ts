import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateSecret, generateURI, verify } from 'otplib';
import { toString as qrSvg } from 'qrcode';
import { DataSource, IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { PrivateKeyCipher } from '../keys/private-key-cipher';
import { TotpFactorEntity } from './totp-factor.entity';

/** RFC 6238 §5.2: one time step of allowed drift either way (30 s each side of now). */
const DRIFT_SECONDS = 30;
/** An enrolment not confirmed within this time starts over with a new secret. */
export const ENROLMENT_TTL_SECONDS = 10 * 60;
const SIX_DIGITS = /^\d{6}$/;

export interface TotpEnrolment {
  /** Base32 secret, for typing into an authenticator app. */
  secret: string;
  /** otpauth:// URI (Key Uri Format) the QR code encodes. */
  uri: string;
  /** The QR code as a data: URL (CSP img-src allows data:). */
  qrCode: string;
}

/**
 * Authenticator-app codes (RFC 6238: SHA-1, 6 digits, 30 s, the parameters every app supports). Secrets are
 * sealed like signing keys (JWE under a key derived from KEY_ENCRYPTION_SECRET, its own HKDF purpose). A code is
 * accepted at most once: the accepted time step is stored in the same statement that checks it is newer than
 * the last one, so a replayed code, even in a race, is refused.
 */
@Injectable()
export class TotpService {
  private readonly logger = new Logger(TotpService.name);
  private readonly factors: Repository<TotpFactorEntity>;
  private readonly cipher: PrivateKeyCipher;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.factors = dataSource.getRepository(TotpFactorEntity);
    this.cipher = new PrivateKeyCipher(config.keyEncryptionSecret, { hkdfInfo: 'totp-secret-encryption', what: 'TOTP secrets' });
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.factors.countBy({ userId, confirmedAt: Not(IsNull()) })) > 0;
  }

  /**
   * Starts (or, while it is fresh, shows again) an enrolment for a person without a confirmed authenticator;
   * null when they already have one.
   */
  async startEnrolment(userId: string, accountName: string): Promise<TotpEnrolment | null> {
    const existing = await this.factors.findOneBy({ userId });
    if (existing?.confirmedAt) return null;
    let secret: string;
    const shown =
      existing && this.fresh(existing) ? await this.cipher.open(existing.secret, existing.secretEncrypted).catch(() => null) : null;
    if (shown) {
      secret = shown;
    } else {
      secret = generateSecret({ length: 20 });
      const sealed = await this.cipher.seal(secret);
      // Replaces only an unconfirmed enrolment; a factor confirmed meanwhile is left alone.
      const rows: unknown[] = await this.dataSource.query(
        `INSERT INTO mfa_totp_factors (user_id, secret, secret_encrypted, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, secret_encrypted = EXCLUDED.secret_encrypted,
           started_at = EXCLUDED.started_at, last_time_step = NULL
         WHERE mfa_totp_factors.confirmed_at IS NULL RETURNING id`,
        [userId, sealed.value, sealed.encrypted, new Date(this.clock.now())],
      );
      if (rows.length === 0) return null;
    }
    const uri = generateURI({ issuer: this.issuerName(), label: accountName, secret });
    const svg = await qrSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms the enrolment in progress with a first code; false for a wrong code or an expired enrolment. */
  async confirmEnrolment(userId: string, code: string): Promise<boolean> {
    const pending = await this.factors.findOneBy({ userId });
    if (!pending || pending.confirmedAt || !this.fresh(pending)) return false;
    const step = await this.matchingStep(pending, code);
    if (step === null) return false;
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE mfa_totp_factors SET confirmed_at = $3, last_time_step = $2 WHERE id = $1 AND confirmed_at IS NULL RETURNING id`,
      [pending.id, step, new Date(this.clock.now())],
    );
    return rows.length === 1;
  }

  /** Checks a code of the confirmed authenticator and consumes its time step (single use). */
  async verify(userId: string, code: string): Promise<boolean> {
    const factor = await this.factors.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    if (!factor) return false;
    const step = await this.matchingStep(factor, code);
    if (step === null) return false;
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE mfa_totp_factors SET last_time_step = $2
        WHERE id = $1 AND confirmed_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < $2) RETURNING id`,
      [factor.id, step],
    );
    return rows.length === 1;
  }

  /** Enrols a known secret at once (the documented demo user); false when the user already has one. */
  async enrolWithSecret(userId: string, secret: string): Promise<boolean> {
    const sealed = await this.cipher.seal(secret);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO mfa_totp_factors (user_id, secret, secret_encrypted, started_at, confirmed_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (user_id) DO NOTHING RETURNING id`,
      [userId, sealed.value, sealed.encrypted],
    );
    return rows.length === 1;
  }

  /** Removes the authenticator (confirmed or in progress); true when one was confirmed. */
  async remove(userId: string): Promise<boolean> {
    const [rows]: [Array<{ confirmed: boolean }>, number] = await this.dataSource.query(
      `DELETE FROM mfa_totp_factors WHERE user_id = $1 RETURNING confirmed_at IS NOT NULL AS confirmed`,
      [userId],
    );
    return rows.some((row) => row.confirmed);
  }

  /** The RFC 6238 time step the code matches (within the drift and after the last accepted one), or null. */
  private async matchingStep(factor: TotpFactorEntity, code: string): Promise<number | null> {
    if (!SIX_DIGITS.test(code)) return null;
    let secret: string;
    try {
      secret = await this.cipher.open(factor.secret, factor.secretEncrypted);
    } catch (error) {
      // A changed or missing KEY_ENCRYPTION_SECRET: the code cannot be checked, so it is refused (never a 500).
      this.logger.error(`TOTP secret of factor ${factor.id} cannot be read: ${(error as Error).message}`);
      return null;
    }
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(this.clock.now() / 1000),
      epochTolerance: DRIFT_SECONDS,
      afterTimeStep: factor.lastTimeStep === null ? undefined : Number(factor.lastTimeStep),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }

  private fresh(factor: TotpFactorEntity): boolean {
    return this.clock.now() - factor.startedAt.getTime() < ENROLMENT_TTL_SECONDS * 1000;
  }

  /** The issuer an authenticator app shows next to the code: this server's host name. */
  private issuerName(): string {
    return new URL(this.config.publicUrl).host;
  }
}
