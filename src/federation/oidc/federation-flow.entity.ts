import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One sign-in at an OIDC provider in progress. Found by the hash of its `state`, redeemed once, bound to the
 * browser that started it; holds what the callback needs (PKCE verifier, nonce, the pending SMART request).
 */
@Entity('federation_flows')
@Index('federation_flows_state_hash', ['stateHash'], { unique: true })
@Index('federation_flows_expires_at', ['expiresAt'])
export class FederationFlowEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'state_hash' })
  stateHash: string;

  @Column('text', { name: 'provider_id' })
  providerId: string;

  @Column('text', { name: 'browser_binding' })
  browserBinding: string;

  @Column('text', { name: 'code_verifier' })
  codeVerifier: string;

  @Column('text')
  nonce: string;

  @Column('integer', { name: 'max_age', nullable: true })
  maxAge: number | null;

  /** The SMART authorization request to resume after the sign-in (serialized /authorize parameters). */
  @Column('text', { name: 'authorization_request', nullable: true })
  authorizationRequest: string | null;

  @Column('text', { name: 'return_to', nullable: true })
  returnTo: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}
