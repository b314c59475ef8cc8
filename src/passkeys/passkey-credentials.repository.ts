import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { PasskeyCredentialEntity, PasskeyDeviceType } from './passkey-credential.entity';

/** Passkeys one person may hold: enough for every device they own, and a bound on what enrolment can store. */
export const MAX_PASSKEYS_PER_USER = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewPasskey {
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  name: string;
}

export type InsertOutcome = { status: 'created'; passkey: PasskeyCredentialEntity } | { status: 'duplicate' | 'too-many' };

@Injectable()
export class PasskeyCredentialsRepository {
  private readonly credentials: Repository<PasskeyCredentialEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.credentials = dataSource.getRepository(PasskeyCredentialEntity);
  }

  listForUser(userId: string): Promise<PasskeyCredentialEntity[]> {
    if (!UUID.test(userId)) return Promise.resolve([]);
    return this.credentials.find({ where: { userId }, order: { createdAt: 'ASC' }, take: MAX_PASSKEYS_PER_USER });
  }

  async hasAny(userId: string): Promise<boolean> {
    return UUID.test(userId) && (await this.credentials.exists({ where: { userId } }));
  }

  findByCredentialId(credentialId: string): Promise<PasskeyCredentialEntity | null> {
    return this.credentials.findOneBy({ credentialId });
  }

  /** Bounded per person (two enrolments racing may both pass the count); a credential ID already known is refused. */
  async insert(passkey: NewPasskey): Promise<InsertOutcome> {
    try {
      const rows: Array<{ id: string }> = await this.dataSource.query(
        `INSERT INTO passkey_credentials (user_id, credential_id, public_key, counter, transports, device_type, backed_up, name)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8
          WHERE (SELECT count(*) FROM passkey_credentials WHERE user_id = $1) < $9
         RETURNING id`,
        [
          passkey.userId,
          passkey.credentialId,
          Buffer.from(passkey.publicKey),
          passkey.counter,
          passkey.transports,
          passkey.deviceType,
          passkey.backedUp,
          passkey.name,
          MAX_PASSKEYS_PER_USER,
        ],
      );
      if (rows.length === 0) return { status: 'too-many' };
      return { status: 'created', passkey: (await this.credentials.findOneBy({ id: rows[0].id })) as PasskeyCredentialEntity };
    } catch (error) {
      if ((error as { driverError?: { code?: string }; code?: string }).driverError?.code === '23505') return { status: 'duplicate' };
      throw error;
    }
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    if (!UUID.test(userId) || !UUID.test(id)) return false;
    return ((await this.credentials.update({ id, userId }, { name })).affected ?? 0) > 0;
  }

  async removeAll(userId: string): Promise<number> {
    if (!UUID.test(userId)) return 0;
    return (await this.credentials.delete({ userId })).affected ?? 0;
  }

  async remove(userId: string, id: string): Promise<PasskeyCredentialEntity | null> {
    if (!UUID.test(userId) || !UUID.test(id)) return null;
    const [rows]: [PasskeyCredentialEntity[], number] = await this.dataSource.query(
      `DELETE FROM passkey_credentials WHERE id = $1 AND user_id = $2 RETURNING id, name, credential_id AS "credentialId"`,
      [id, userId],
    );
    return rows[0] ?? null;
  }

  /**
   * Records a verified assertion. The counter only moves forward (WebAuthn §7.2 step 22): of two assertions
   * verified at once against the same stored counter, one carrying an older value loses here.
   */
  async recordUse(id: string, newCounter: number, backedUp: boolean): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE passkey_credentials SET counter = $2, backed_up = $3, last_used_at = now()
        WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))
        RETURNING id`,
      [id, newCounter, backedUp],
    );
    return rows.length === 1;
  }
}
