import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { BoundedQueue } from '../common/concurrency/bounded-queue';
import { randomToken } from '../common/crypto/random-token';
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
}

export type UpdateUserCommand = Partial<Omit<CreateUserCommand, 'username' | 'password'>>;

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
  private readonly argon2 = new BoundedQueue(PASSWORD_QUEUE_OPTIONS);

  constructor(private readonly repository: UserRepository) {}

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
    return this.repository.update(id, columns);
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
