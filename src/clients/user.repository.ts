import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { UserEntity } from './user.entity';

@Injectable()
export class UserRepository {
  private readonly users: Repository<UserEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.users = dataSource.getRepository(UserEntity);
  }

  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username: username.toLowerCase() });
  }

  /** Case-insensitive, as the unique index users_email_lower. */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('user').where('lower(user.email) = lower(:email)', { email }).getOne();
  }

  listAll(): Promise<UserEntity[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  // Writes run in `manager`'s transaction when given (UsersService records the audit event in it).

  /** Throws UniqueUserFieldError when the username or the e-mail address is taken. */
  async insert(user: Partial<UserEntity>, manager?: EntityManager): Promise<UserEntity | null> {
    try {
      const result = await this.repo(manager).insert(user);
      return this.findById(result.identifiers[0].id as string, manager);
    } catch (error) {
      throw uniqueFieldError(error);
    }
  }

  /** Throws UniqueUserFieldError when the new e-mail address is taken. */
  async update(id: string, changes: Partial<UserEntity>, manager?: EntityManager): Promise<UserEntity | null> {
    try {
      await this.repo(manager).update({ id }, { ...changes, updatedAt: new Date() });
    } catch (error) {
      throw uniqueFieldError(error);
    }
    return this.findById(id, manager);
  }

  private repo(manager?: EntityManager): Repository<UserEntity> {
    return manager?.getRepository(UserEntity) ?? this.users;
  }
}

export class UniqueUserFieldError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`${field} taken`);
  }
}

function uniqueFieldError(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  const constraint =
    (error as { driverError?: { constraint?: string }; constraint?: string }).driverError?.constraint ??
    (error as { constraint?: string }).constraint;
  return new UniqueUserFieldError(constraint === 'users_email_lower' ? 'email' : 'username');
}
