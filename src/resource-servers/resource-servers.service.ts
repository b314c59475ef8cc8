import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditActor, AuditService, OPERATOR } from '../audit/audit.service';
import { normalizeResourceUrl } from '../common/oauth/redirect-url';
import { isUniqueViolation } from '../database/unique-violation';
import { InvalidGrantError, InvalidTargetError } from '../common/oauth/errors';
import { AppConfig } from '../config/app-config';
import { parseScopes, SmartScope } from '../scopes';
import { ResourceServerEntity } from './resource-server.entity';
import { checkAudience, checkBaseUrl, checkScopeCeiling, ResourceServerChecks } from './resource-server-settings';

export { InvalidResourceServerError } from './resource-server-settings';

export class ResourceServerTakenError extends Error {
  constructor() {
    super('A resource server with this base_url or audience is already registered');
  }
}

export interface ResourceServerSettings {
  baseUrl: string;
  /** Defaults to the base URL. */
  audience?: string | null;
  scope: string;
  enabled?: boolean;
}

/** What a token is for: its `aud`, and the most it may carry (null: this server's FHIR API, no extra ceiling). */
export interface TokenTarget {
  audience: string;
  /** The URL apps name it by. */
  baseUrl: string;
  ceiling: SmartScope[] | null;
}

/** Registered resource servers (RFC 8707) and the resolution of `resource` / `aud` to an audience. */
@Injectable()
export class ResourceServersService {
  private readonly servers: Repository<ResourceServerEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.servers = dataSource.getRepository(ResourceServerEntity);
  }

  /** This server's own FHIR API. */
  get ownTarget(): TokenTarget {
    return { audience: this.config.fhirBaseUrl, baseUrl: this.config.fhirBaseUrl, ceiling: null };
  }

  /**
   * The target an app names with `resource` or `aud`: this server's FHIR base, or the base URL of a registered,
   * enabled resource server (compared as normalizeResourceUrl does). Null when it names nothing we serve.
   */
  async resolve(resource: string, manager?: EntityManager): Promise<TokenTarget | null> {
    const normalized = normalizeResourceUrl(resource);
    if (!normalized || resource.includes('#')) return null;
    if (normalized === normalizeResourceUrl(this.config.fhirBaseUrl)) return this.ownTarget;
    const server = await (manager?.getRepository(ResourceServerEntity) ?? this.servers).findOneBy({ baseUrl: normalized, enabled: true });
    return server ? targetOf(server) : null;
  }

  /** The target behind an audience already granted (a refresh token's), or null when that server is gone or disabled. */
  async forAudience(audience: string | null, manager?: EntityManager): Promise<TokenTarget | null> {
    if (audience === null || audience === this.config.fhirBaseUrl) return this.ownTarget;
    const server = await (manager?.getRepository(ResourceServerEntity) ?? this.servers).findOneBy({ audience, enabled: true });
    return server ? targetOf(server) : null;
  }

  /**
   * `/token` (RFC 8707 §2.2): a `resource` may only name the audience already granted (a code's or a refresh
   * token's); absent, the grant's audience is kept. A grant for a server deleted or disabled since is over.
   * `manager`: read on that transaction's connection (a caller holding one must not wait for a second).
   */
  async forGrant(resource: string | undefined, grantedAudience: string | null, manager?: EntityManager): Promise<TokenTarget> {
    const granted = await this.forAudience(grantedAudience, manager);
    if (!granted) throw new InvalidGrantError('The resource server this grant was issued for is no longer registered');
    if (resource !== undefined && (await this.resolve(resource, manager))?.audience !== granted.audience) {
      throw new InvalidTargetError('resource must name the resource server this grant was issued for');
    }
    return granted;
  }

  /** `client_credentials`: an optional `resource` names this server's FHIR API or a registered resource server. */
  async forClientCredentials(resource: string | undefined): Promise<TokenTarget> {
    if (resource === undefined) return this.ownTarget;
    const target = await this.resolve(resource);
    if (!target) throw new InvalidTargetError("resource must be this server's FHIR base URL or a registered resource server");
    return target;
  }

  list(): Promise<ResourceServerEntity[]> {
    return this.servers.find({ order: { baseUrl: 'ASC' } });
  }

  findById(id: string): Promise<ResourceServerEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.servers.findOneBy({ id });
  }

  // Each change commits in one transaction with its audit event (`by` says who made it), or not at all.

  async create(settings: ResourceServerSettings, by: AuditActor = OPERATOR): Promise<ResourceServerEntity> {
    const baseUrl = checkBaseUrl(settings.baseUrl, this.checks());
    const row = {
      baseUrl,
      audience: checkAudience(settings.audience ?? baseUrl, this.checks()),
      scope: checkScopeCeiling(settings.scope),
      enabled: settings.enabled ?? true,
    };
    try {
      return await this.audit.transaction(async (manager) => {
        const servers = manager.getRepository(ResourceServerEntity);
        const result = await servers.insert(row);
        const server = await servers.findOneByOrFail({ id: result.identifiers[0].id as string });
        await this.record('resource_server_created', server, by, manager, {
          base_url: server.baseUrl,
          audience: server.audience,
          scope: server.scope,
          enabled: server.enabled,
        });
        return server;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ResourceServerTakenError();
      throw error;
    }
  }

  /** Only the fields given change; null when there is no such server. */
  async update(id: string, changes: Partial<ResourceServerSettings>, by: AuditActor = OPERATOR): Promise<ResourceServerEntity | null> {
    const existing = await this.findById(id);
    if (!existing) return null;
    const update: Partial<ResourceServerEntity> = { updatedAt: new Date() };
    if (changes.baseUrl !== undefined) update.baseUrl = checkBaseUrl(changes.baseUrl, this.checks());
    if (changes.audience !== undefined)
      update.audience = checkAudience(changes.audience ?? update.baseUrl ?? existing.baseUrl, this.checks());
    if (changes.scope !== undefined) update.scope = checkScopeCeiling(changes.scope);
    if (changes.enabled !== undefined) update.enabled = changes.enabled;
    try {
      return await this.audit.transaction(async (manager) => {
        const servers = manager.getRepository(ResourceServerEntity);
        await servers.update({ id }, update);
        const server = await servers.findOneBy({ id });
        if (server)
          await this.record('resource_server_updated', server, by, manager, {
            changed: Object.keys(update).filter((key) => key !== 'updatedAt'),
          });
        return server;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ResourceServerTakenError();
      throw error;
    }
  }

  /**
   * Removes the registration: no new token names it, and refresh tokens granted for it stop refreshing.
   * Access tokens already issued stay valid at that server until they expire (it verifies them itself).
   */
  async remove(id: string, by: AuditActor = OPERATOR): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.audit.transaction(async (manager) => {
      const [rows]: [ResourceServerEntity[], number] = await manager.query(
        `DELETE FROM resource_servers WHERE id = $1 RETURNING id, base_url AS "baseUrl"`,
        [id],
      );
      if (rows.length === 0) return false;
      await this.record('resource_server_deleted', rows[0], by, manager, { base_url: rows[0].baseUrl });
      return true;
    });
  }

  private record(
    event: 'resource_server_created' | 'resource_server_updated' | 'resource_server_deleted',
    server: Pick<ResourceServerEntity, 'id'>,
    by: AuditActor,
    manager: EntityManager,
    detail: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      { event, outcome: 'success', ip: by.ip, detail: { by: by.actor, resource_server_id: server.id, ...detail } },
      manager,
    );
  }

  private checks(): ResourceServerChecks {
    return { fhirBaseUrl: this.config.fhirBaseUrl, production: this.config.isProduction };
  }
}

function targetOf(server: ResourceServerEntity): TokenTarget {
  return { audience: server.audience, baseUrl: server.baseUrl, ceiling: parseScopes(server.scope).scopes };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
