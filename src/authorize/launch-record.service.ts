import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { Clock } from '../common/time/clock';
import { LaunchRecordEntity } from './launch-record.entity';
import { LaunchContext } from './launch-context.model';

// SMART App Launch: the launch value is opaque and short-lived; five minutes covers a sign-in and a consent page.
export const LAUNCH_TTL_SECONDS = 300;

export interface CreateLaunch {
  clientId: string;
  createdBy: string;
  userId: string | null;
  context: LaunchContext;
}

@Injectable()
export class LaunchRecordService {
  private readonly launches: Repository<LaunchRecordEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    this.launches = dataSource.getRepository(LaunchRecordEntity);
  }

  /** Returns the opaque launch value; only its hash is stored. */
  async create(input: CreateLaunch): Promise<string> {
    const launch = randomToken();
    await this.launches.save(
      this.launches.create({
        launchHash: hashToken(launch),
        clientId: input.clientId,
        createdBy: input.createdBy,
        userId: input.userId,
        context: input.context,
        expiresAt: new Date(this.clock.now() + LAUNCH_TTL_SECONDS * 1000),
      }),
    );
    return launch;
  }

  /** The launch while it is unused, unexpired and issued for this client; null otherwise. */
  async findUsable(launch: string, clientId: string): Promise<LaunchRecordEntity | null> {
    if (!launch || launch.length > 512) return null;
    const found = await this.launches.findOneBy({ launchHash: hashToken(launch) });
    if (!found || found.consumedAt || found.expiresAt.getTime() <= this.clock.now() || found.clientId !== clientId) return null;
    return found;
  }

  /**
   * Binds the launch to the first browser that presents it (one atomic UPDATE, so two browsers racing cannot
   * both win); true for that browser on every later step, false for any other browser or an unusable launch.
   */
  async bindToBrowser(launchId: string, clientId: string, browserHash: string): Promise<boolean> {
    const result = await this.launches
      .createQueryBuilder()
      .update(LaunchRecordEntity)
      .set({ browserHash })
      .where('id = :launchId AND client_id = :clientId AND consumed_at IS NULL AND expires_at > :now', {
        launchId,
        clientId,
        now: new Date(this.clock.now()),
      })
      .andWhere('(browser_hash IS NULL OR browser_hash = :browserHash)', { browserHash })
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length === 1;
  }

  /** Single use: consumed atomically when the authorization code is issued. */
  async consume(launch: string, clientId: string, manager?: EntityManager): Promise<LaunchRecordEntity | null> {
    const launches = manager?.getRepository(LaunchRecordEntity) ?? this.launches;
    const result = await launches
      .createQueryBuilder()
      .update(LaunchRecordEntity)
      .set({ consumedAt: () => 'now()' })
      .where('launch_hash = :hash AND client_id = :clientId AND consumed_at IS NULL AND expires_at > :now', {
        hash: hashToken(launch),
        clientId,
        now: new Date(this.clock.now()),
      })
      .returning(['id'])
      .execute();
    const rows = result.raw as Array<{ id: string }>;
    return rows.length === 1 ? launches.findOneBy({ id: rows[0].id }) : null;
  }

  async purgeExpired(olderThanSeconds = 86_400): Promise<void> {
    await this.launches
      .createQueryBuilder()
      .delete()
      .where('expires_at < now() - make_interval(secs => :seconds)', { seconds: olderThanSeconds })
      .execute();
  }
}
