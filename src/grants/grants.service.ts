import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RevocationService } from '../revocation/revocation.service';
import { isSubsetOf, parseScopes } from '../scopes';
import { GrantEntity } from './grant.entity';

@Injectable()
export class GrantsService {
  private readonly grants: Repository<GrantEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
  ) {
    this.grants = dataSource.getRepository(GrantEntity);
  }

  findActive(userId: string, clientId: string, manager?: EntityManager): Promise<GrantEntity | null> {
    return this.repo(manager).findOne({ where: { userId, clientId, revokedAt: IsNull() }, order: { updatedAt: 'DESC' } });
  }

  findById(grantId: string): Promise<GrantEntity | null> {
    return isUuid(grantId) ? this.grants.findOneBy({ id: grantId }) : Promise.resolve(null);
  }

  /**
   * Records what the user approved. When the approval covers everything the grant held, the grant id stays stable
   * so earlier tokens keep their grant. When it narrows the grant (the person unticked something), the old grant
   * is revoked, with every code, refresh token and access token issued under it, and a new grant holds the new
   * approval: nothing issued for the wider approval outlives it (docs/tokens.md, "Narrowing a consent").
   * With `manager`, in that transaction (the authorization flow's, which records the consent).
   */
  async upsertApproval(
    userId: string,
    clientId: string,
    scope: string,
    manager?: EntityManager,
  ): Promise<GrantEntity & { replaced: string | null }> {
    const grants = this.repo(manager);
    const existing = await this.findActive(userId, clientId, manager);
    if (existing && isSubsetOf(parseScopes(existing.scope).scopes, parseScopes(scope).scopes)) {
      await grants.update({ id: existing.id }, { scope, updatedAt: new Date() });
      return { ...existing, scope, replaced: null };
    }
    if (existing) await this.revocation.revokeGrant(existing.id, manager);
    return { ...(await grants.save(grants.create({ userId, clientId, scope }))), replaced: existing?.id ?? null };
  }

  /** A grant for a client acting without a user (SMART Backend Services). */
  async createForClient(clientId: string, scope: string): Promise<GrantEntity> {
    return this.grants.save(this.grants.create({ userId: null, clientId, scope }));
  }

  listForUser(userId: string): Promise<GrantEntity[]> {
    return this.grants.find({ where: { userId, revokedAt: IsNull() }, order: { updatedAt: 'DESC' } });
  }

  /** Revokes the user's own grant; returns false when it is not theirs or already revoked. Commits with its audit event. */
  async revoke(grantId: string, userId: string, ip: string | null = null): Promise<boolean> {
    const grant = await this.findById(grantId);
    if (!grant || grant.userId !== userId || grant.revokedAt) return false;
    await this.audit.transaction(async (manager) => {
      await this.revocation.revokeGrant(grant.id, manager);
      await this.audit.record(
        { event: 'grant_revoked', outcome: 'success', clientId: grant.clientId, grantId: grant.id, userId, ip, detail: { by: 'user' } },
        manager,
      );
    });
    return true;
  }

  private repo(manager?: EntityManager): Repository<GrantEntity> {
    return manager?.getRepository(GrantEntity) ?? this.grants;
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value ?? '');
}
