import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuthorizationCodeService } from './authorization-code.service';
import { LaunchRecordService } from './launch-record.service';
import { LoginSessionService } from './login-session.service';
import { LoginThrottleService } from './login-throttle.service';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes expired codes, launches, sessions and old sign-in failures once an hour. */
@Injectable()
export class AuthorizationHousekeepingService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuthorizationHousekeeping');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly codes: AuthorizationCodeService,
    private readonly launches: LaunchRecordService,
    private readonly sessions: LoginSessionService,
    private readonly throttle: LoginThrottleService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async purge(): Promise<void> {
    const results = await Promise.allSettled([
      this.codes.purgeExpired(),
      this.launches.purgeExpired(),
      this.sessions.purgeEnded(),
      this.throttle.purgeOld(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn(`Purge failed: ${(result.reason as Error).message}`);
    }
  }
}
