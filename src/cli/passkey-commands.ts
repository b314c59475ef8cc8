import { Command } from 'commander';
import { UsersService } from '../clients/users.service';
import { adminPasskeyView, PasskeysService } from '../passkeys';
import { withApplication } from './cli-context';
import { print } from './cli-output';

export function registerPasskeyCommands(program: Command): void {
  program
    .command('passkeys:list')
    .description("List a user's passkeys (names, kinds and dates; never key material)")
    .requiredOption('--user <id-or-username>', 'user id or username')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { user: string; table?: boolean }) => {
      const passkeys = await withApplication(async (app) =>
        app.get(PasskeysService).list((await findUser(app.get(UsersService), options.user)).id),
      );
      print(passkeys.map(adminPasskeyView), options);
    });

  program
    .command('passkeys:remove')
    .description("Remove one of a user's passkeys (audited), e.g. for a lost device")
    .requiredOption('--user <id-or-username>', 'user id or username')
    .requiredOption('--passkey <id>', 'passkey id, from passkeys:list')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { user: string; passkey: string; table?: boolean }) => {
      await withApplication(async (app) => {
        const user = await findUser(app.get(UsersService), options.user);
        if (!(await app.get(PasskeysService).remove(user.id, options.passkey, 'operator')))
          throw new Error(`No passkey ${options.passkey} for user ${options.user}`);
      });
      print({ removed: options.passkey }, options);
    });
}

async function findUser(users: UsersService, idOrUsername: string) {
  const user = (await users.findById(idOrUsername)) ?? (await users.findByUsername(idOrUsername.toLowerCase()));
  if (!user) throw new Error(`No user ${idOrUsername}`);
  return user;
}
