import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditActor, AuditService, OPERATOR } from '../audit/audit.service';
import { BoundedCache } from '../common/cache/bounded-cache';
import { AppConfig } from '../config/app-config';
import { constantTimeEquals, hashToken, randomIdentifier, randomToken } from '../common/crypto/random-token';
import { MAX_SIGNED_TOKEN_LIFETIME_SECONDS } from '../keys/keys.service';
import { ClientDescriptiveMetadata, ClientEntity, ClientJwks, ClientType, TokenEndpointAuthMethod } from './client.entity';
import { ClientRepository } from './client.repository';
import { hasControlCharacters } from '../common/text/control-characters';

export const DEFAULT_SECRET_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const SECRET_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

export interface ClientSettings {
  name: string;
  type: ClientType;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  launchUrl: string | null;
  grantTypes: string[];
  scope: string;
  jwks: ClientJwks | null;
  jwksUri: string | null;
  metadata?: ClientDescriptiveMetadata;
  accessTokenTtl?: number | null;
  refreshTokenTtl?: number | null;
  allowRefreshTokens?: boolean;
  mayCreateLaunchContexts?: boolean;
  mayIntrospectAnyToken?: boolean;
  enabled?: boolean;
  /** Operator-approved ceilings (docs/clients.md); on create they default to `scope` and `grantTypes`. */
  approvedScope?: string;
  approvedGrantTypes?: string[];
  /** On create defaults to true, except for self-registered clients (withRegistrationAccessToken). */
  verified?: boolean;
}

export interface CreateClientOptions {
  /** A fixed id (demo data); otherwise a random, unguessable one. */
  clientId?: string;
  /** A fixed secret (demo data); otherwise generated when the auth method uses one. */
  clientSecret?: string;
  /** RFC 7592: issue a registration access token for self-management. */
  withRegistrationAccessToken?: boolean;
  /** Runs first in the creating transaction (e.g. redeeming an initial access token); throwing rolls it all back. */
  inTransaction?: (manager: EntityManager) => Promise<void>;
}

export interface CreatedClient {
  client: ClientEntity;
  /** Shown once; only its hash is stored. Null for methods without a secret. */
  clientSecret: string | null;
  registrationAccessToken: string | null;
}

export class ClientIdTakenError extends Error {
  constructor(clientId: string) {
    super(`client_id ${clientId} is already registered`);
  }
}

/**
 * Hot-path lookups are cached per process, bounded (CLIENT_CACHE_MAX entries each) and for CLIENT_CACHE_MS
 * (5 s): that is how stale they may be in other processes; this process invalidates on every change.
 */
@Injectable()
export class ClientsService {
  private readonly clientCache: BoundedCache<string, { value: ClientEntity | null }>;
  private readonly secretCache: BoundedCache<string, string[]>;
  // Origin → whether an enabled, verified client redirects there (CORS); bounded whatever origins callers send.
  private readonly originCache: BoundedCache<string, boolean>;
  private readonly deletionListeners: Array<(clientId: string, manager: EntityManager) => Promise<void>> = [];
  private readonly deletedCache: BoundedCache<string, boolean>;

  constructor(
    private readonly repository: ClientRepository,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    const bounds = { max: config.caches.clientMax, ttlMs: config.caches.clientMs };
    this.clientCache = new BoundedCache(bounds);
    this.secretCache = new BoundedCache(bounds);
    this.originCache = new BoundedCache(bounds);
    this.deletedCache = new BoundedCache(bounds);
  }

  /** Entries held by the client lookup cache now, and at most (monitoring, tests). */
  get cacheSize(): { size: number; max: number } {
    return { size: this.clientCache.size, max: this.clientCache.max };
  }

  /** The enabled client with this id, or null. Cached for at most CLIENT_CACHE_MS. */
  async findEnabled(clientId: string): Promise<ClientEntity | null> {
    if (!isPlausibleClientId(clientId)) return null;
    const cached = this.clientCache.get(clientId);
    if (cached) return cached.value;
    const client = await this.repository.findById(clientId);
    const value = client?.enabled ? client : null;
    this.clientCache.set(clientId, { value });
    return value;
  }

  /** Any client, enabled or not (administration). */
  findById(clientId: string): Promise<ClientEntity | null> {
    if (!isPlausibleClientId(clientId)) return Promise.resolve(null);
    return this.repository.findById(clientId);
  }

  list(): Promise<ClientEntity[]> {
    return this.repository.listAll();
  }

  // Every change below commits in one transaction with its audit event (`by` says who made it), or not at all.

  async create(settings: ClientSettings, options: CreateClientOptions = {}, by: AuditActor = OPERATOR): Promise<CreatedClient> {
    const clientId = options.clientId ?? randomIdentifier(18);
    const usesSecret = SECRET_AUTH_METHODS.includes(settings.tokenEndpointAuthMethod);
    const clientSecret = usesSecret ? (options.clientSecret ?? randomToken(32)) : null;
    const registrationAccessToken = options.withRegistrationAccessToken ? randomToken(32) : null;
    const client = await this.audit.transaction(async (manager) => {
      await options.inTransaction?.(manager);
      const inserted = await this.repository.insertWithSecret(
        {
          ...this.columns(settings),
          metadata: settings.metadata ?? {},
          clientId,
          enabled: settings.enabled ?? true,
          approvedScope: settings.approvedScope ?? settings.scope,
          approvedGrantTypes: settings.approvedGrantTypes ?? settings.grantTypes,
          // RFC 7591 registrations (the only clients with a registration access token) are not reviewed by anyone.
          verified: settings.verified ?? !options.withRegistrationAccessToken,
          registrationAccessTokenHash: registrationAccessToken ? hashToken(registrationAccessToken) : null,
        },
        clientSecret ? hashToken(clientSecret) : null,
        manager,
      );
      if (!inserted) throw new ClientIdTakenError(clientId);
      const client = (await this.repository.findById(clientId, manager)) as ClientEntity;
      const detail = {
        by: by.actor,
        name: client.name,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        grant_types: client.grantTypes,
        scope: client.scope,
        verified: client.verified,
      };
      await this.audit.record({ event: 'client_created', outcome: 'success', clientId, ip: by.ip, detail }, manager);
      return client;
    });
    this.invalidate(clientId);
    return { client, clientSecret, registrationAccessToken };
  }

  /**
   * Applies the changes; when the client now authenticates with a secret and has none, one is generated
   * and returned (shown once).
   */
  update(
    clientId: string,
    changes: Partial<ClientSettings>,
    by: AuditActor = OPERATOR,
  ): Promise<{ client: ClientEntity; clientSecret: string | null } | null> {
    return this.change(clientId, this.columns(changes), by, true);
  }

  async setEnabled(clientId: string, enabled: boolean, by: AuditActor = OPERATOR): Promise<ClientEntity | null> {
    return (await this.change(clientId, { enabled }, by, false))?.client ?? null;
  }

  disable(clientId: string, by: AuditActor = OPERATOR): Promise<ClientEntity | null> {
    return this.setEnabled(clientId, false, by);
  }

  private async change(
    clientId: string,
    columns: Partial<ClientEntity>,
    by: AuditActor,
    issueSecret: boolean,
  ): Promise<{ client: ClientEntity; clientSecret: string | null } | null> {
    const existing = await this.repository.findById(clientId);
    if (!existing) return null;
    try {
      return await this.audit.transaction(async (manager) => {
        const client = await this.repository.update(clientId, columns, manager);
        if (!client) return null;
        let clientSecret: string | null = null;
        if (
          issueSecret &&
          SECRET_AUTH_METHODS.includes(client.tokenEndpointAuthMethod) &&
          (await this.repository.activeSecretHashes(clientId, manager)).length === 0
        ) {
          clientSecret = randomToken(32);
          await this.repository.rotateSecret(clientId, hashToken(clientSecret), 0, manager);
        }
        const detail = { by: by.actor, changed: changedKeys(existing, columns), secret_issued: clientSecret !== null };
        await this.audit.record({ event: 'client_updated', outcome: 'success', clientId, ip: by.ip, detail }, manager);
        return { client, clientSecret };
      });
    } finally {
      this.invalidate(clientId);
    }
  }

  /**
   * Deletes the client and tombstones its id (never issued again). Then every listener runs (RevocationService
   * revokes the client's grants, and with them its codes, refresh tokens and access tokens): RFC 7592 §2.3.
   * The deletion, what the listeners do and the audit event commit in one transaction.
   */
  async delete(clientId: string, by: AuditActor = OPERATOR): Promise<boolean> {
    try {
      return await this.audit.transaction(async (manager) => {
        const deleted = await this.repository.delete(clientId, manager);
        if (!deleted) return false;
        for (const listener of this.deletionListeners) await listener(clientId, manager);
        await this.audit.record({ event: 'client_deleted', outcome: 'success', clientId, ip: by.ip, detail: { by: by.actor } }, manager);
        return true;
      });
    } finally {
      this.invalidate(clientId);
      this.deletedCache.delete(clientId);
    }
  }

  /** Whether this client_id belonged to a deleted client (tombstoned); cached for at most CLIENT_CACHE_MS. */
  async isDeleted(clientId: string): Promise<boolean> {
    const cached = this.deletedCache.get(clientId);
    if (cached !== undefined) return cached;
    const deleted = await this.repository.isTombstoned(clientId);
    this.deletedCache.set(clientId, deleted);
    return deleted;
  }

  /** Called in each deletion's transaction, by modules that hold state naming clients (no raw SQL on their tables here). */
  onDeleted(listener: (clientId: string, manager: EntityManager) => Promise<void>): void {
    this.deletionListeners.push(listener);
  }

  /** A new secret; the previous ones stay valid for `overlapSeconds` so deployments can switch without downtime. */
  async rotateSecret(
    clientId: string,
    overlapSeconds = DEFAULT_SECRET_ROTATION_OVERLAP_SECONDS,
    by: AuditActor = OPERATOR,
  ): Promise<{ clientSecret: string; previousSecretsExpireAt: Date } | null> {
    const client = await this.repository.findById(clientId);
    if (!client || !SECRET_AUTH_METHODS.includes(client.tokenEndpointAuthMethod)) return null;
    const clientSecret = randomToken(32);
    const overlap = Math.max(0, overlapSeconds);
    try {
      const previousSecretsExpireAt = await this.audit.transaction(async (manager) => {
        const expireAt = await this.repository.rotateSecret(clientId, hashToken(clientSecret), overlap, manager);
        await this.audit.record(
          { event: 'client_secret_rotated', outcome: 'success', clientId, ip: by.ip, detail: { by: by.actor, overlap_seconds: overlap } },
          manager,
        );
        return expireAt;
      });
      return { clientSecret, previousSecretsExpireAt };
    } finally {
      this.invalidate(clientId);
    }
  }

  /** Constant-time comparison of the presented secret's hash against every active secret of the client. */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const presented = hashToken(secret);
    const matches = (hashes: string[]): boolean =>
      hashes.reduce((matched, stored) => constantTimeEquals(presented, stored) || matched, false);
    if (matches(await this.activeSecretHashes(clientId))) return true;
    // A secret rotated in by another process is accepted at once rather than after the cache expires.
    this.secretCache.delete(clientId);
    return matches(await this.activeSecretHashes(clientId));
  }

  /** RFC 7592 §3: the client this registration access token manages, or null. */
  async findByRegistrationAccessToken(clientId: string, token: string): Promise<ClientEntity | null> {
    const client = await this.findById(clientId);
    if (!client?.registrationAccessTokenHash) return null;
    return constantTimeEquals(hashToken(token), client.registrationAccessTokenHash) ? client : null;
  }

  /**
   * SMART App Launch 2.2 §Considerations for CORS Support: true when an enabled client an operator created or verified
   * has a redirect URI on this origin. One indexed lookup per origin, cached (bounded) for at most CLIENT_CACHE_MS.
   */
  async isApprovedOrigin(origin: string): Promise<boolean> {
    if (typeof origin !== 'string' || origin.length === 0 || origin.length > 2048) return false;
    const cached = this.originCache.get(origin);
    if (cached !== undefined) return cached;
    const approved = await this.repository.hasVerifiedClientWithOrigin(origin);
    this.originCache.set(origin, approved);
    return approved;
  }

  private async activeSecretHashes(clientId: string): Promise<string[]> {
    const cached = this.secretCache.get(clientId);
    if (cached) return cached;
    const hashes = await this.repository.activeSecretHashes(clientId);
    this.secretCache.set(clientId, hashes);
    return hashes;
  }

  private invalidate(clientId: string): void {
    this.clientCache.delete(clientId);
    this.secretCache.delete(clientId);
    this.originCache.clear();
  }

  private columns(settings: Partial<ClientSettings>): Partial<ClientEntity> {
    const columns: Partial<ClientEntity> = {};
    const assign = <K extends keyof ClientSettings & keyof ClientEntity>(key: K): void => {
      if (settings[key] !== undefined) (columns as Record<string, unknown>)[key] = settings[key];
    };
    for (const key of [
      'name',
      'type',
      'tokenEndpointAuthMethod',
      'redirectUris',
      'launchUrl',
      'grantTypes',
      'scope',
      'jwks',
      'jwksUri',
      'metadata',
      'refreshTokenTtl',
      'allowRefreshTokens',
      'mayCreateLaunchContexts',
      'mayIntrospectAnyToken',
      'enabled',
      'approvedScope',
      'approvedGrantTypes',
      'verified',
    ] as const)
      assign(key);
    if (settings.accessTokenTtl !== undefined) {
      // Per-client lifetimes never exceed what the keys service signs for.
      columns.accessTokenTtl =
        settings.accessTokenTtl === null ? null : Math.min(settings.accessTokenTtl, MAX_SIGNED_TOKEN_LIFETIME_SECONDS);
    }
    return columns;
  }
}

function isPlausibleClientId(clientId: unknown): clientId is string {
  return typeof clientId === 'string' && clientId.length > 0 && clientId.length <= 200 && !hasControlCharacters(clientId);
}

/** The names of the settings a change actually alters (never their values: a jwks or a URL may be long). */
function changedKeys(existing: ClientEntity, columns: Partial<ClientEntity>): string[] {
  return Object.keys(columns).filter(
    (key) => JSON.stringify(existing[key as keyof ClientEntity]) !== JSON.stringify(columns[key as keyof ClientEntity]),
  );
}
