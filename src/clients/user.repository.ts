import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from './client.repository';
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

  listAll(): Promise<UserEntity[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  // Writes run in `manager`'s transaction when given (UsersService records the audit event in it).

  /** Null when the username is taken. */
  async insert(user: Partial<UserEntity>, manager?: EntityManager): Promise<UserEntity | null> {
    try {
      const result = await this.repo(manager).insert(user);
      return this.findById(result.identifiers[0].id as string, manager);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async update(id: string, changes: Partial<UserEntity>, manager?: EntityManager): Promise<UserEntity | null> {
    await this.repo(manager).update({ id }, { ...changes, updatedAt: new Date() });
    return this.findById(id, manager);
  }

  private repo(manager?: EntityManager): Repository<UserEntity> {
    return manager?.getRepository(UserEntity) ?? this.users;
  }
}
