import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { BoundedCache } from '../common/cache/bounded-cache';
import { BoundedQueue } from '../common/concurrency/bounded-queue';
import { randomToken } from '../common/crypto/random-token';
import { AppConfig } from '../config/app-config';
import { isFhirId } from '../fhir-auth/r4-resource-types';
import { MAX_RESTRICTED_PATIENTS } from '../fhir-auth/smart-context.claims';
import { UserEntity, UserRole } from './user.entity';
import { UserRepository } from './user.repository';

export interface CreateUserCommand {
  username: string;
  password: string;
  displayName: string;
  fhirUser: string;
  role: UserRole;
  restrictedToPatients?: string[] | null;
  enabled?: boolean;
  /** Set only by the demo seed (src/seed): marks a user the demo EHR launcher may launch. */
  demo?: boolean;
}

export type UpdateUserCommand = Partial<Omit<CreateUserCommand, 'username' | 'password' | 'demo'>>;

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`username ${username} is already taken`);
  }
}

export class InvalidUserError extends Error {}

// A patient user is bound to their own Patient record; practitioners may be restricted to a list of patients.
function checkConsistency(role: UserRole, fhirUser: string, restrictedToPatients: string[] | null | undefined): void {
  if (role === 'patient' && !fhirUser.startsWith('Patient/')) throw new InvalidUserError('A patient user needs a Patient/… fhirUser');
  if (role === 'patient' && restrictedToPatients) throw new InvalidUserError('restrictedToPatients applies to practitioners only');
  // The restriction travels in every access token of the user (claim `restricted_to_patients`), so it is bounded.
  if (restrictedToPatients && restrictedToPatients.length > MAX_RESTRICTED_PATIENTS) {
    throw new InvalidUserError(`restrictedToPatients holds at most ${MAX_RESTRICTED_PATIENTS} patient ids`);
  }
  if (restrictedToPatients?.some((id) => typeof id !== 'string' || !isFhirId(id))) {
    throw new InvalidUserError('restrictedToPatients holds FHIR ids (1-64 characters of A-Z, a-z, 0-9, - and .)');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id };
// argon2 runs on libuv's thread pool, which also signs tokens (src/keys/jws-signer.ts), and each verification
// keeps a core busy for ~10 ms: sign-ins (the anonymous path) may hold at most half of the pool and leave a core
// to the event loop; a flood waits in a short list or is refused (QueueBusyError) instead of starving /token.
// Operator-initiated hashing (create, reset) is rare and authenticated, so it does not queue.
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
export const PASSWORD_QUEUE_OPTIONS = {
  concurrency: Math.max(1, Math.min(Math.floor(THREAD_POOL_SIZE / 2), availableParallelism() - 1)),
  maxWaiting: 32,
  maxWaitMs: 2000,
};

@Injectable()
export class UsersService {
  private dummyHash: Promise<string> | null = null;
  // Hot-path lookups (FHIR guard, introspection, refresh) may be CLIENT_CACHE_MS stale in other processes; this
  // process forgets a user as soon as it changes it.
  private readonly enabledCache: BoundedCache<string, { user: UserEntity | null }>;
  private readonly argon2 = new BoundedQueue(PASSWORD_QUEUE_OPTIONS);

  constructor(
    private readonly repository: UserRepository,
    config: AppConfig,
  ) {
    this.enabledCache = new BoundedCache({ max: config.caches.clientMax, ttlMs: config.caches.clientMs });
  }

  /** The enabled user with this id, or null. Cached for at most CLIENT_CACHE_MS (bounded LRU). */
  async findEnabled(id: string): Promise<UserEntity | null> {
    const cached = this.enabledCache.get(id);
    if (cached) return cached.user;
    const found = await this.findById(id);
    const user = found?.enabled ? found : null;
    if (typeof id === 'string' && id.length <= 64) this.enabledCache.set(id, { user });
    return user;
  }

  findById(id: string): Promise<UserEntity | null> {
    if (typeof id !== 'string' || !UUID.test(id)) return Promise.resolve(null);
    return this.repository.findById(id);
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    if (typeof username !== 'string' || username.length === 0 || username.length > 200) return Promise.resolve(null);
    return this.repository.findByUsername(username);
  }

  list(): Promise<UserEntity[]> {
    return this.repository.listAll();
  }

  /** The enabled user with this username and password, or null; QueueBusyError when sign-ins flood the server. */
  async verifyPassword(username: string, password: string): Promise<UserEntity | null> {
    const user = typeof password === 'string' && password.length <= 1024 ? await this.findByUsername(username) : null;
    // Unknown users cost the same argon2 verification, so timing does not reveal which usernames exist.
    const storedHash = user?.passwordHash ?? (await this.getDummyHash());
    const matches = await this.argon2.run(() => verify(storedHash, typeof password === 'string' ? password : '').catch(() => false));
    return user && user.enabled && matches ? user : null;
  }

  async create(command: CreateUserCommand): Promise<UserEntity> {
    checkConsistency(command.role, command.fhirUser, command.restrictedToPatients);
    const user = await this.repository.insert({
      username: command.username.toLowerCase(),
      passwordHash: await hash(command.password, ARGON2_OPTIONS),
      displayName: command.displayName,
      fhirUser: command.fhirUser,
      role: command.role,
      restrictedToPatients: command.restrictedToPatients ?? null,
      enabled: command.enabled ?? true,
      demo: command.demo ?? false,
    });
    if (!user) throw new UsernameTakenError(command.username);
    return user;
  }

  async update(id: string, changes: UpdateUserCommand): Promise<UserEntity | null> {
    const existing = await this.findById(id);
    if (!existing) return null;
    checkConsistency(
      changes.role ?? existing.role,
      changes.fhirUser ?? existing.fhirUser,
      changes.restrictedToPatients !== undefined ? changes.restrictedToPatients : existing.restrictedToPatients,
    );
    const columns: Partial<UserEntity> = {};
    if (changes.displayName !== undefined) columns.displayName = changes.displayName;
    if (changes.fhirUser !== undefined) columns.fhirUser = changes.fhirUser;
    if (changes.role !== undefined) columns.role = changes.role;
    if (changes.restrictedToPatients !== undefined) columns.restrictedToPatients = changes.restrictedToPatients;
    if (changes.enabled !== undefined) columns.enabled = changes.enabled;
    const updated = await this.repository.update(id, columns);
    this.enabledCache.delete(id);
    return updated;
  }

  /** Sets the given password, or a generated one that is returned (shown once). */
  async resetPassword(id: string, password?: string): Promise<{ user: UserEntity; password: string } | null> {
    if (!(await this.findById(id))) return null;
    const newPassword = password ?? randomToken(18);
    const user = await this.repository.update(id, { passwordHash: await hash(newPassword, ARGON2_OPTIONS) });
    return user ? { user, password: newPassword } : null;
  }

  disable(id: string): Promise<UserEntity | null> {
    return this.update(id, { enabled: false });
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hash(randomToken(), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
