import { Command } from 'commander';
import { UsersService } from '../clients/users.service';
import { SecondFactorService } from '../mfa';
import { withApplication } from './cli-context';
import { print } from './cli-output';

export function registerMfaCommands(program: Command): void {
  program
    .command('users:reset-factors')
    .description(
      "Remove a person's second factors (authenticator app, recovery codes) so they can sign in with the password and enrol again; audited",
    )
    .argument('<user>', 'username or user id')
    .option('--table', 'print a table instead of JSON')
    .action(async (who: string, options: { table?: boolean }) => {
      const result = await withApplication(async (app) => {
        const users = app.get(UsersService);
        const user = (await users.findByUsername(who)) ?? (await users.findById(who));
        if (!user) throw new Error(`no user ${who}`);
        const removed = await app.get(SecondFactorService).reset(user.id, 'cli');
        return {
          user_id: user.id,
          username: user.username,
          totp_removed: removed.totp,
          recovery_codes_removed: removed.recoveryCodes,
          passkeys_removed: removed.passkeys,
        };
      });
      print(result, options);
    });
}
