import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK } from 'jose';
import { DataSource, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { AppConfig } from '../config/app-config';
import { PrivateKeyCipher } from '../keys/private-key-cipher';
import { FederatedSessionsService } from './federated-sessions.service';
import { IdentityProviderInput, providerChanges } from './identity-provider-input';
import { IdentityProviderEntity } from './identity-provider.entity';
import { InvalidIdentityProviderError, isOidc, OidcProviderSettings } from './identity-provider-settings';
import { FederatedIdentityEntity } from './federated-identity.entity';
import { FederationFlowEntity } from './oidc/federation-flow.entity';

export class IdentityProviderTakenError extends Error {}
/** A change that would silently re-point existing links at other people. */
export class IdentityProviderConflictError extends Error {}

/** The secrets of a provider, opened: never returned by the admin API. */
export interface ProviderSecrets {
  secret: string | null;
  privateJwk: JWK | null;
}

// Identity providers, managed by the operator (admin API and CLI). Secrets are sealed like signing keys.
@Injectable()
export class IdentityProvidersService {
  private readonly providers: Repository<IdentityProviderEntity>;
  private readonly cipher: PrivateKeyCipher;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly sessions: FederatedSessionsService,
  ) {
    this.providers = dataSource.getRepository(IdentityProviderEntity);
    this.cipher = new PrivateKeyCipher(config.keyEncryptionSecret);
  }

  list(): Promise<IdentityProviderEntity[]> {
    return this.providers.find({ order: { id: 'ASC' } });
  }

  /** For the sign-in page: enabled providers, by name. */
  listEnabled(): Promise<IdentityProviderEntity[]> {
    return this.providers.find({ where: { enabled: true }, order: { displayName: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<IdentityProviderEntity | null> {
    if (typeof id !== 'string' || id.length > 64) return Promise.resolve(null);
    return this.providers.findOneBy({ id });
  }

  async create(input: IdentityProviderInput): Promise<IdentityProviderEntity> {
    const changes = providerChanges(input, null, this.config.outboundAllowHttpLoopback);
    const entity = this.providers.create({ roleMap: {}, defaultRole: null, enabled: true, ...changes.columns });
    await this.applySecrets(entity, { secret: changes.secret ?? null, privateJwk: null });
    try {
      await this.providers.insert(entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw new IdentityProviderTakenError(`identity provider ${input.id} already exists`);
      throw error;
    }
    return (await this.findById(entity.id))!;
  }

  async update(id: string, input: IdentityProviderInput): Promise<IdentityProviderEntity | null> {
    const existing = await this.findById(id);
    if (!existing) return null;
    if (input.id !== undefined && input.id !== id)
      throw new InvalidIdentityProviderError('id cannot change (it is part of the redirect URI registered upstream)');
    if (input.type !== undefined && input.type !== existing.type)
      throw new InvalidIdentityProviderError('type cannot change; create another provider');
    const changes = providerChanges(input, existing, this.config.outboundAllowHttpLoopback);
    const before = existing.settings;
    const after = changes.columns.settings;
    // OIDC Core §2: `sub` is unique only within its issuer; links made at one issuer must not name people at another.
    if (after && isOidc(before) && isOidc(after) && after.issuer !== before.issuer && (await this.linkCount(id)) > 0) {
      throw new IdentityProviderConflictError(
        'issuer cannot change while people are linked to this provider (their subjects belong to the old issuer); remove the links or create a new provider',
      );
    }
    const wasEnabled = existing.enabled;
    const secrets = await this.secretsOf(existing);
    const updated = this.providers.merge(existing, changes.columns, { updatedAt: new Date() });
    await this.applySecrets(updated, {
      secret: changes.secret !== undefined ? changes.secret : secrets.secret,
      privateJwk: secrets.privateJwk,
    });
    await this.providers.save(updated);
    // Disabling a provider ends the sign-in sessions it began (docs/federation.md).
    if (wasEnabled && changes.columns.enabled === false) await this.sessions.endAllOf(id);
    return this.findById(id);
  }

  /** Removes the provider, its links and flows, and ends the sign-in sessions it began; users stay. */
  async remove(id: string): Promise<boolean> {
    const existing = await this.findById(id);
    if (!existing) return false;
    await this.sessions.endAllOf(id);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(FederatedIdentityEntity, { providerId: id });
      await manager.delete(FederationFlowEntity, { providerId: id });
      await manager.delete(IdentityProviderEntity, { id });
    });
    return true;
  }

  async secretsOf(provider: IdentityProviderEntity): Promise<ProviderSecrets> {
    const open = async (value: string | null) => (value === null ? null : this.cipher.open(value, provider.secretsEncrypted));
    try {
      const privateJwk = await open(provider.privateJwk);
      return { secret: await open(provider.secret), privateJwk: privateJwk ? (JSON.parse(privateJwk) as JWK) : null };
    } catch {
      throw new Error(`The secrets of identity provider ${provider.id} cannot be opened: check KEY_ENCRYPTION_SECRET`);
    }
  }

  private async linkCount(id: string): Promise<number> {
    return this.dataSource.getRepository(FederatedIdentityEntity).countBy({ providerId: id });
  }

  // Every secret of the row is sealed again together, so `secrets_encrypted` holds for all of them.
  private async applySecrets(entity: IdentityProviderEntity, secrets: ProviderSecrets): Promise<void> {
    let privateJwk = secrets.privateJwk;
    if (isOidc(entity.settings)) {
      const settings: OidcProviderSettings = entity.settings;
      if (settings.tokenEndpointAuthMethod === 'private_key_jwt' && !privateJwk) {
        const generated = await signingKey();
        privateJwk = generated.privateJwk;
        entity.settings = { ...settings, publicJwk: generated.publicJwk };
      }
    }
    const secret = secrets.secret === null ? null : await this.cipher.seal(secrets.secret);
    const key = privateJwk === null ? null : await this.cipher.seal(JSON.stringify(privateJwk));
    entity.secret = secret?.value ?? null;
    entity.privateJwk = key?.value ?? null;
    entity.secretsEncrypted = this.cipher.enabled;
  }
}

// RFC 7523 §2.2 / OIDC Core §9 private_key_jwt: a key of this server's own for each provider, ES256.
async function signingKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  };
}
