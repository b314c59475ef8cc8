import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { AuditActor, AuditService, OPERATOR } from '../audit/audit.service';
import { BoundedCache } from '../common/cache/bounded-cache';
import { BoundedQueue } from '../common/concurrency/bounded-queue';
import { randomToken } from '../common/crypto/random-token';
import { AppConfig } from '../config/app-config';
import { isFhirId } from '../fhir-auth/r4-resource-types';
import { MAX_RESTRICTED_PATIENTS } from '../fhir-auth/smart-context.claims';
import { passwordProblem } from './password-policy';
import { UserEntity, UserRole } from './user.entity';
import { UniqueUserFieldError, UserRepository } from './user.repository';

export interface CreateUserCommand {
  username: string;
  /** null: no local password at all (people who sign in through an identity provider). */
  password: string | null;
  displayName: string;
  fhirUser: string;
  role: UserRole;
  restrictedToPatients?: string[] | null;
  enabled?: boolean;
  /** Where password reset links go; unique regardless of case; null for none. */
  email?: string | null;
  /**
   * Set only by the demo seed (src/seed): marks a user the demo EHR launcher may launch. The seed's documented
   * passwords predate the password policy and are exempt from it.
   */
  demo?: boolean;
}

export type UpdateUserCommand = Partial<Omit<CreateUserCommand, 'username' | 'password' | 'demo'>>;

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`username ${username} is already taken`);
  }
}

export class EmailTakenError extends Error {
  constructor() {
    super('that e-mail address is already used by another user');
  }
}

export class InvalidUserError extends Error {}

/** A new password the policy refuses; the message is meant for the person choosing it. */
export class WeakPasswordError extends InvalidUserError {}

const EMAIL_MAX_LENGTH = 254;

/** A trimmed address of the usual shape (RFC 5321 length limit), or null for none; InvalidUserError otherwise. */
export function normalizeEmail(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const email = value.trim();
  if (email === '') return null;
  if (
    email.length > EMAIL_MAX_LENGTH ||
    !/^[^\s@\u0000-\u001f\u007f]+@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]+$/.test(email)
  ) {
    throw new InvalidUserError('email must be an e-mail address such as name@example.org (at most 254 characters)');
  }
  return email;
}

// Hot-path lookups (FHIR guard, introspection, refresh) may be this stale in other processes; this process
// forgets a user as soon as it changes it.
export const USER_CACHE_MS = 5000;

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

/**
 * The password hash of a user without a local password: not a PHC string, so no password ever verifies against
 * it, and resetPassword refuses to give such a user one (they sign in through their identity provider).
 */
export const NO_PASSWORD = '!no-local-password';

export function hasLocalPassword(user: Pick<UserEntity, 'passwordHash'>): boolean {
  return user.passwordHash !== NO_PASSWORD;
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
    private readonly audit: AuditService,
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

  /** Case-insensitive. */
  findByEmail(email: string): Promise<UserEntity | null> {
    if (typeof email !== 'string' || email.trim().length === 0 || email.length > EMAIL_MAX_LENGTH) return Promise.resolve(null);
    return this.repository.findByEmail(email.trim());
  }

  list(): Promise<UserEntity[]> {
    return this.repository.listAll();
  }

  /** The enabled user with this username and password, or null; QueueBusyError when sign-ins flood the server. */
  async verifyPassword(username: string, password: string): Promise<UserEntity | null> {
    const user = typeof password === 'string' && password.length <= 1024 ? await this.findByUsername(username) : null;
    // Unknown users cost the same argon2 verification, so timing does not reveal which usernames exist.
    const storedHash = user && hasLocalPassword(user) ? user.passwordHash : await this.getDummyHash();
    const matches = await this.argon2.run(() => verify(storedHash, typeof password === 'string' ? password : '').catch(() => false));
    return user?.enabled && hasLocalPassword(user) && matches ? user : null;
  }

  // Each change commits in one transaction with its audit event (`by` says who made it), or not at all.

  async create(command: CreateUserCommand, by: AuditActor = OPERATOR): Promise<UserEntity> {
    checkConsistency(command.role, command.fhirUser, command.restrictedToPatients);
    const email = normalizeEmail(command.email);
    if (!command.demo && command.password !== null) checkPassword(command.password, command.username, email);
    const passwordHash = command.password === null ? NO_PASSWORD : await hash(command.password, ARGON2_OPTIONS);
    return this.unique(command.username, () =>
      this.audit.transaction(async (manager) => {
        const user = await this.repository.insert(
          {
            username: command.username.toLowerCase(),
            email,
            passwordHash,
            displayName: command.displayName,
            fhirUser: command.fhirUser,
            role: command.role,
            restrictedToPatients: command.restrictedToPatients ?? null,
            enabled: command.enabled ?? true,
            demo: command.demo ?? false,
          },
          manager,
        );
        if (!user) throw new UsernameTakenError(command.username);
        await this.audit.record(
          {
            event: 'user_created',
            outcome: 'success',
            userId: user.id,
            ip: by.ip,
            detail: { by: by.actor, role: user.role, enabled: user.enabled },
          },
          manager,
        );
        return user;
      }),
    );
  }

  async update(id: string, changes: UpdateUserCommand, by: AuditActor = OPERATOR): Promise<UserEntity | null> {
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
    if (changes.email !== undefined) columns.email = normalizeEmail(changes.email);
    const changed = Object.keys(columns).filter(
      (key) => JSON.stringify(existing[key as keyof UserEntity]) !== JSON.stringify(columns[key as keyof UserEntity]),
    );
    try {
      return await this.unique(existing.username, () =>
        this.audit.transaction(async (manager) => {
          const updated = await this.repository.update(id, columns, manager);
          await this.audit.record(
            { event: 'user_updated', outcome: 'success', userId: id, ip: by.ip, detail: { by: by.actor, changed } },
            manager,
          );
          return updated;
        }),
      );
    } finally {
      this.enabledCache.delete(id);
    }
  }

  /**
   * Sets the given password (WeakPasswordError when the policy refuses it), or a generated one that is
   * returned (shown once).
   */
  async resetPassword(id: string, password?: string, by: AuditActor = OPERATOR): Promise<{ user: UserEntity; password: string } | null> {
    const existing = await this.findById(id);
    if (!existing) return null;
    if (!hasLocalPassword(existing))
      throw new InvalidUserError('This user signs in through an identity provider and has no local password');
    if (password !== undefined) checkPassword(password, existing.username, existing.email);
    const newPassword = password ?? randomToken(18);
    const passwordHash = await hash(newPassword, ARGON2_OPTIONS);
    const user = await this.audit.transaction(async (manager) => {
      const updated = await this.repository.update(id, { passwordHash }, manager);
      await this.audit.record(
        {
          event: 'user_password_reset',
          outcome: 'success',
          userId: id,
          ip: by.ip,
          detail: { by: by.actor, generated: password === undefined },
        },
        manager,
      );
      return updated;
    });
    this.enabledCache.delete(id);
    return user ? { user, password: newPassword } : null;
  }

  /** Why the policy would refuse `password` for this user (a sentence for them), or null. */
  passwordProblem(password: unknown, user: Pick<UserEntity, 'username' | 'email'>): string | null {
    return passwordProblem(password, { username: user.username, email: user.email });
  }

  disable(id: string, by: AuditActor = OPERATOR): Promise<UserEntity | null> {
    return this.update(id, { enabled: false }, by);
  }

  private async unique<T>(username: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UniqueUserFieldError) throw error.field === 'email' ? new EmailTakenError() : new UsernameTakenError(username);
      throw error;
    }
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hash(randomToken(), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}

function checkPassword(password: string, username: string, email: string | null | undefined): void {
  const problem = passwordProblem(password, { username, email });
  if (problem) throw new WeakPasswordError(problem);
}
