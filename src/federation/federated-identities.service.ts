import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { FederatedIdentityEntity } from './federated-identity.entity';

export class FederatedIdentityTakenError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Links from (provider, upstream subject) to users here. */
@Injectable()
export class FederatedIdentitiesService {
  private readonly links: Repository<FederatedIdentityEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.links = dataSource.getRepository(FederatedIdentityEntity);
  }

  find(providerId: string, subject: string): Promise<FederatedIdentityEntity | null> {
    return this.links.findOneBy({ providerId, subject });
  }

  list(providerId: string): Promise<FederatedIdentityEntity[]> {
    return this.links.find({ where: { providerId }, order: { createdAt: 'ASC' } });
  }

  async link(
    providerId: string,
    subject: string,
    userId: string,
    seen: { username?: string | null; email?: string | null } = {},
  ): Promise<FederatedIdentityEntity> {
    try {
      const result = await this.links.insert({
        providerId,
        subject,
        userId,
        upstreamUsername: seen.username ?? null,
        email: seen.email ?? null,
      });
      return (await this.links.findOneBy({ id: result.identifiers[0].id as string }))!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new FederatedIdentityTakenError(`subject ${subject} at ${providerId} is already linked`);
      throw error;
    }
  }

  async remove(providerId: string, linkId: string): Promise<boolean> {
    if (!UUID.test(linkId)) return false;
    return ((await this.links.delete({ id: linkId, providerId })).affected ?? 0) > 0;
  }

  async signedIn(link: FederatedIdentityEntity, seen: { username: string | null; email: string | null }): Promise<void> {
    await this.links.update({ id: link.id }, { lastSignInAt: new Date(), upstreamUsername: seen.username, email: seen.email });
  }
}
