import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, KeyObject, randomUUID } from 'node:crypto';
import { CryptoKey, exportJWK, generateKeyPair, importJWK, JSONWebKeySet, JWK, JWTPayload, jwtVerify, JWTVerifyOptions } from 'jose';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { signCompactJws } from './jws-signer';
import { SigningAlgorithm, SigningKeyEntity } from './signing-key.entity';
import { PrivateKeyCipher } from './private-key-cipher';
import { SigningKeyRepository } from './signing-key.repository';

interface LoadedKey {
  kid: string;
  alg: SigningAlgorithm;
  active: boolean;
  publicJwk: JWK;
  publicKey: CryptoKey;
  privateKey: KeyObject | null;
}

const ALGORITHMS: SigningAlgorithm[] = ['RS256', 'ES256'];
// Other processes pick up a rotation within this interval; the old key stays published meanwhile.
const RELOAD_INTERVAL_MS = 30_000;
// Tokens are never issued for longer than this (per-client lifetimes are capped to it as well).
export const MAX_SIGNED_TOKEN_LIFETIME_SECONDS = 24 * 3600;

@Injectable()
export class KeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeysService.name);
  private readonly cipher: PrivateKeyCipher;
  private keys = new Map<string, LoadedKey>();
  private active = new Map<SigningAlgorithm, LoadedKey>();
  private jwksDocument: JSONWebKeySet = { keys: [] };
  private timer: NodeJS.Timeout | null = null;
  private lastReload = 0;

  constructor(
    private readonly repository: SigningKeyRepository,
    config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.cipher = new PrivateKeyCipher(config.keyEncryptionSecret);
  }

  async onModuleInit(): Promise<void> {
    await this.repository.withKeyLock(async (manager) => {
      const present = await this.repository.findActiveAlgorithms(manager);
      for (const alg of ALGORITHMS.filter((a) => !present.includes(a))) {
        await this.repository.insert(manager, await this.generate(alg));
        this.logger.log(`Generated a new ${alg} signing key`);
      }
    });
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Adds a new active key for each algorithm; the previous ones stay published until their tokens expire. */
  async rotate(algorithms: SigningAlgorithm[] = ALGORITHMS): Promise<string[]> {
    const publishUntil = new Date(Date.now() + (MAX_SIGNED_TOKEN_LIFETIME_SECONDS + 300) * 1000);
    const kids = await this.repository.withKeyLock(async (manager) => {
      const created: string[] = [];
      for (const alg of algorithms) {
        await this.repository.retireActive(manager, alg, publishUntil);
        const key = await this.generate(alg);
        await this.repository.insert(manager, key);
        created.push(key.kid);
      }
      return created;
    });
    await this.reload();
    return kids;
  }

  jwks(): JSONWebKeySet {
    return this.jwksDocument;
  }

  activeKid(alg: SigningAlgorithm): string {
    return this.requireActive(alg).kid;
  }

  /** Signs with the active key of `alg`; the signature runs off the event loop (see jws-signer.ts). */
  async sign(payload: JWTPayload, alg: SigningAlgorithm, typ = 'JWT'): Promise<string> {
    const key = this.requireActive(alg);
    return signCompactJws({ alg, kid: key.kid, typ }, payload, key.privateKey as KeyObject);
  }

  /** Verifies a JWT signed by one of this server's published keys. */
  async verify(token: string, options: JWTVerifyOptions = {}): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, (header) => this.publicKeyFor(header.kid), {
      algorithms: ALGORITHMS,
      ...options,
    });
    return payload;
  }

  private async publicKeyFor(kid: string | undefined): Promise<CryptoKey> {
    const key = await this.lookup(kid);
    if (!key) throw new Error('unknown signing key');
    return key.publicKey;
  }

  private async lookup(kid: string | undefined): Promise<LoadedKey | undefined> {
    if (!kid) return undefined;
    const known = this.keys.get(kid);
    if (known) return known;
    // A key rotated in by another process: reload, at most once a second.
    if (this.clock.now() - this.lastReload > 1000) await this.reload();
    return this.keys.get(kid);
  }

  private requireActive(alg: SigningAlgorithm): LoadedKey {
    const key = this.active.get(alg);
    if (!key?.privateKey) throw new Error(`no active ${alg} signing key`);
    return key;
  }

  private async reload(): Promise<void> {
    this.lastReload = this.clock.now();
    const rows = await this.repository.findPublished();
    const keys = new Map<string, LoadedKey>();
    const active = new Map<SigningAlgorithm, LoadedKey>();
    for (const row of rows) {
      const loaded = this.keys.get(row.kid) ?? (await this.load(row));
      loaded.active = row.retiredAt === null;
      if (loaded.active && !loaded.privateKey) loaded.privateKey = await this.loadPrivate(row);
      keys.set(row.kid, loaded);
      if (loaded.active) active.set(row.alg, loaded);
    }
    this.keys = keys;
    this.active = active;
    this.jwksDocument = { keys: rows.map((row) => keys.get(row.kid)!.publicJwk) };
  }

  private async load(row: SigningKeyEntity): Promise<LoadedKey> {
    const publicJwk = { ...(row.publicJwk as JWK), kid: row.kid, use: 'sig', alg: row.alg };
    return {
      kid: row.kid,
      alg: row.alg,
      active: row.retiredAt === null,
      publicJwk,
      publicKey: (await importJWK(publicJwk, row.alg)) as CryptoKey,
      privateKey: row.retiredAt === null ? await this.loadPrivate(row) : null,
    };
  }

  private async loadPrivate(row: SigningKeyEntity): Promise<KeyObject> {
    const jwk = JSON.parse(await this.cipher.open(row.privateKey, row.privateKeyEncrypted)) as JWK;
    return createPrivateKey({ key: jwk as never, format: 'jwk' });
  }

  private async generate(alg: SigningAlgorithm): Promise<Omit<SigningKeyEntity, 'createdAt'>> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    const kid = `${alg.toLowerCase()}-${randomUUID()}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg } as unknown as Record<string, string>;
    const sealed = await this.cipher.seal(JSON.stringify(await exportJWK(privateKey)));
    return {
      kid,
      alg,
      publicJwk,
      privateKey: sealed.value,
      privateKeyEncrypted: sealed.encrypted,
      retiredAt: null,
      publishUntil: null,
    };
  }
}
