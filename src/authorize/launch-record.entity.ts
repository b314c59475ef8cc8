import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { LaunchContext } from './launch-context.model';

/**
 * The record behind an EHR launch value (SMART App Launch 2.2 §EHR Launch): opaque, single-use, short-lived,
 * bound to one target client. "Launch context" is the context it carries into the token response (patient,
 * encounter, …: launch-context.model.ts); this is the launch itself. The table keeps its original name.
 */
@Entity('launch_contexts')
@Index('launch_contexts_launch_hash', ['launchHash'], { unique: true })
@Index('launch_contexts_expires_at', ['expiresAt'])
export class LaunchRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'launch_hash' })
  launchHash: string;

  /** The app the launch is for; any other client presenting it gets invalid_request. */
  @Column('text', { name: 'client_id' })
  clientId: string;

  /** The EHR client that created the launch. */
  @Column('text', { name: 'created_by' })
  createdBy: string;

  /** The EHR user named by the launch; that user is treated as signed in (docs/authorize.md). */
  @Column('uuid', { name: 'user_id', nullable: true })
  userId: string | null;

  @Column('jsonb', { default: () => `'{}'` })
  context: LaunchContext;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'consumed_at', nullable: true })
  consumedAt: Date | null;

  /** Hash of the browser cookie of the first browser that presented the launch at /authorize; no other may use it. */
  @Column('text', { name: 'browser_hash', nullable: true })
  browserHash: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
