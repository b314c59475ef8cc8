export { AccountModule } from './account.module';
export { AccountService } from './account.service';
export { PasswordResetService, RESET_LIMITS } from './password-reset.service';
