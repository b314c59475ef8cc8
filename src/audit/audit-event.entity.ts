import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every kind of event the trail holds (docs/architecture.md, "Audit trail"). */
export const AUDIT_EVENT_TYPES = [
  // /token, /revoke, /introspect
  'issued',
  'refreshed',
  'revoked',
  'client_auth_failed',
  'code_reuse',
  'refresh_reuse',
  'introspected',
  // Sign-in, consent and the user's own grants
  'sign_in_failed',
  'code_issued',
  'consent_granted',
  'grant_revoked',
  // Clients (administration, the CLI and RFC 7591/7592 registration)
  'client_created',
  'client_updated',
  'client_deleted',
  'client_secret_rotated',
  // Administration of users, resource servers and the brand
  'user_created',
  'user_updated',
  'user_password_reset',
  'resource_server_created',
  'resource_server_updated',
  'resource_server_deleted',
  'brand_updated',
  'brand_deleted',
  // Second factors (src/mfa): enrolment, removal, new recovery codes, a passed or failed second step, an operator's reset.
  'mfa_enrolled',
  'mfa_removed',
  'mfa_recovery_codes_regenerated',
  'mfa_verified',
  'mfa_failed',
  'mfa_reset',
  // Passkeys (src/passkeys): enrolment, removal, a passkey sign-in.
  'passkey_added',
  'passkey_removed',
  'passkey_sign_in',
  // Accounts (src/account): password changes, reset requests and resets, sessions signed out.
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'sessions_ended',
  // Federation (src/federation): sign-in through an identity provider, success or failure, with the provider id.
  'federated_sign_in',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditOutcome = 'success' | 'failure';

/** Who did what to which client or grant. Never holds a token, secret or code. */
@Entity('audit_events')
@Index('audit_events_at', ['at'])
@Index('audit_events_client_at', ['clientId', 'at'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('timestamptz', { default: () => 'now()' })
  at: Date;

  @Column('text')
  event: AuditEventType;

  @Column('text', { name: 'client_id', nullable: true })
  clientId: string | null;

  @Column('uuid', { name: 'grant_id', nullable: true })
  grantId: string | null;

  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  @Column('text')
  outcome: AuditOutcome;

  @Column('text', { nullable: true })
  ip: string | null;

  @Column('jsonb')
  detail: Record<string, unknown>;
}
