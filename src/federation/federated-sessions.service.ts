import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, Repository } from 'typeorm';
import { LoginSessionService } from '../authorize/login-session.service';
import { AppConfig } from '../config/app-config';
import { FederatedSessionEntity } from './federated-session.entity';

const PURGE_EVERY_MS = 3600_000;

/** Remembers which provider began each sign-in session, so disabling or deleting it ends them. */
@Injectable()
export class FederatedSessionsService {
  private readonly rows: Repository<FederatedSessionEntity>;
  private lastPurge = 0;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly loginSessions: LoginSessionService,
    private readonly config: AppConfig,
  ) {
    this.rows = dataSource.getRepository(FederatedSessionEntity);
  }

  async record(sessionId: string, providerId: string): Promise<void> {
    await this.rows.insert({ sessionId, providerId });
    // Rows outlive their sessions by at most a day; sessions never last longer than LOGIN_SESSION_TTL.
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.rows.delete({ createdAt: LessThan(new Date(Date.now() - (this.config.loginSessionTtl + 86_400) * 1000)) });
    }
  }

  async endAllOf(providerId: string): Promise<void> {
    const rows = await this.rows.find({ where: { providerId }, select: { sessionId: true } });
    await this.loginSessions.endMany(rows.map((row) => row.sessionId));
    await this.rows.delete({ providerId });
  }
}
