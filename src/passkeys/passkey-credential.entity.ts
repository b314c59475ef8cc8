import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** WebAuthn Level 3 §6.4.1: a single-device credential, or one that may be (`multiDevice`) or was synced. */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** A person's passkey or security key: the public key and what the authenticator said about it. */
@Entity('passkey_credentials')
@Index('passkey_credentials_user_id', ['userId'])
export class PasskeyCredentialEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'user_id' })
  userId: string;

  /** The credential ID the authenticator chose, base64url (WebAuthn §4 "Credential ID"). */
  @Index('passkey_credentials_credential_id', { unique: true })
  @Column('text', { name: 'credential_id' })
  credentialId: string;

  /** COSE_Key (RFC 9052 §7) as the authenticator returned it. */
  @Column('bytea', { name: 'public_key' })
  publicKey: Buffer;

  /** Signature counter (WebAuthn §6.1.1); bigint because authenticators count in 32 unsigned bits. */
  @Column('bigint', { default: 0 })
  counter: string;

  @Column('text', { array: true, default: () => "'{}'" })
  transports: string[];

  @Column('text', { name: 'device_type' })
  deviceType: PasskeyDeviceType;

  @Column('boolean', { name: 'backed_up' })
  backedUp: boolean;

  @Column('text')
  name: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;
}
