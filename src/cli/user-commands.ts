import { Command } from 'commander';
import { randomToken } from '../common/crypto/random-token';
import { UserEntity, UserRole } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { adminUserView } from '../admin/admin-views';
import { withApplication } from './cli-context';
import { print } from './cli-output';

interface CreateUserOptions {
  username: string;
  password?: string;
  displayName: string;
  fhirUser: string;
  role: UserRole;
  restrictedToPatients?: string;
  email?: string;
  table?: boolean;
}

export function registerUserCommands(program: Command): void {
  program
    .command('users:create')
    .description('Create a user; without --password one is generated and printed once')
    .requiredOption('--username <username>', 'login name (case-insensitive)')
    .option(
      '--password <password>',
      'password (visible in the process list; omit to generate one); at least 12 characters, not a common password',
    )
    .requiredOption('--display-name <name>', 'name shown to the user')
    .requiredOption('--fhir-user <reference>', 'e.g. Practitioner/123 or Patient/abc')
    .option('--role <role>', 'patient or practitioner', 'practitioner')
    .option(
      '--restricted-to-patients <ids>',
      'comma-separated Patient ids a practitioner may see (at most 100; carried in every access token)',
    )
    .option('--email <address>', 'where password reset links are sent (unique regardless of case)')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: CreateUserOptions) => {
      if (!['patient', 'practitioner'].includes(options.role)) throw new Error('--role must be patient or practitioner');
      if (!/^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/.test(options.fhirUser)) {
        throw new Error('--fhir-user must be a relative reference such as Practitioner/123');
      }
      const password = options.password ?? randomToken(18);
      const user = await withApplication((app) =>
        app.get(UsersService).create({
          username: options.username,
          password,
          displayName: options.displayName,
          fhirUser: options.fhirUser,
          role: options.role,
          restrictedToPatients: options.restrictedToPatients
            ? options.restrictedToPatients
                .split(',')
                .map((id) => id.trim())
                .filter(Boolean)
            : null,
          email: options.email ?? null,
        }),
      );
      print({ ...adminUserView(user), ...(options.password ? {} : { password }) }, options);
    });

  program
    .command('users:update')
    .description('Change a user, named by username or id')
    .argument('<user>', 'username or id')
    .option('--email <address>', "where password reset links are sent (unique regardless of case); '' removes it")
    .option('--table', 'print a table instead of JSON')
    .action(async (name: string, options: { email?: string; table?: boolean }) => {
      if (options.email === undefined) throw new Error('nothing to change: give --email');
      const user = await withApplication(async (app) => {
        const users = app.get(UsersService);
        const found = (await users.findById(name)) ?? (await users.findByUsername(name));
        if (!found) throw new Error(`no user ${name}`);
        return users.update(found.id, { email: options.email === '' ? null : options.email });
      });
      print(adminUserView(user as UserEntity), options);
    });

  program
    .command('users:list')
    .description('List users')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { table?: boolean }) => {
      const users = await withApplication((app) => app.get(UsersService).list());
      print(users.map(adminUserView), options);
    });
}
