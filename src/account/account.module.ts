import { Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { Mailer } from '../common/mail/mailer';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { PasswordResetController } from './password-reset.controller';
import { PasswordResetService } from './password-reset.service';
import { ClientsModule } from '../clients/clients.module';
import { AuditModule } from '../audit/audit.module';
import { MfaModule } from '../mfa';
import { PasskeysModule } from '../passkeys';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Local accounts: the self-service account page (/account) and password reset by e-mail (/password-reset). */
@Module({
  imports: [AuditModule, ClientsModule, AuthorizeModule, MfaModule, PasskeysModule],
  controllers: [AccountController, PasswordResetController],
  providers: [AccountService, PasswordResetService, Mailer],
  exports: [AccountService, PasswordResetService],
})
export class AccountModule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AccountHousekeeping');
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly resets: PasswordResetService) {}

  /** Deletes used and expired reset links (after a day) and old reset-request counts once an hour. */
  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.resets.purgeOld().catch((error: Error) => this.logger.warn(`Purge failed: ${error.message}`)),
      PURGE_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
