import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClientIdTakenError, ClientsService } from '../clients/clients.service';
import { UsernameTakenError, UsersService } from '../clients/users.service';
import { AppConfig } from '../config/app-config';
import { TotpService } from '../mfa';
import { demoClients, DEMO_TOTP_USER, DEMO_USERS } from './demo-data';

export interface SeedResult {
  created: string[];
  existing: string[];
}

/** Inserts the demo users and clients that are missing; never changes existing rows. */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly totp: TotpService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    const result = await this.seed();
    if (result.created.length > 0) this.logger.log(`Seeded demo data: ${result.created.join(', ')}`);
  }

  async seed(): Promise<SeedResult> {
    const result: SeedResult = { created: [], existing: [] };
    for (const user of DEMO_USERS) {
      const label = `user ${user.username}`;
      if (await this.users.findByUsername(user.username)) {
        result.existing.push(label);
        continue;
      }
      // Another process seeding at the same moment wins the insert; that is fine.
      const created = await this.users.create({ ...user, demo: true }).then(
        () => true,
        (error: unknown) => (error instanceof UsernameTakenError ? false : Promise.reject(error)),
      );
      (created ? result.created : result.existing).push(label);
    }
    // Only the seeded demo user gets the published secret, never a real account that took the name.
    const totpUser = await this.users.findByUsername(DEMO_TOTP_USER.username);
    if (totpUser?.demo) {
      const label = `authenticator app of user ${DEMO_TOTP_USER.username}`;
      ((await this.totp.enrolWithSecret(totpUser.id, DEMO_TOTP_USER.totpSecret)) ? result.created : result.existing).push(label);
    }
    for (const client of demoClients(this.config.publicUrl)) {
      const label = `client ${client.clientId}`;
      if (await this.clients.findById(client.clientId)) {
        result.existing.push(label);
        continue;
      }
      const created = await this.clients.create(client.settings, { clientId: client.clientId, clientSecret: client.clientSecret }).then(
        () => true,
        (error: unknown) => (error instanceof ClientIdTakenError ? false : Promise.reject(error)),
      );
      (created ? result.created : result.existing).push(label);
    }
    return result;
  }
}
