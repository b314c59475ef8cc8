import 'reflect-metadata';
import { Command } from 'commander';
import { OAuthError } from '../common/oauth/errors';
import { ConfigurationError } from '../config/environment';
import { KeysService } from '../keys/keys.service';
import { FhirDemoSeeder } from '../fhir/demo/fhir-demo.seeder';
import { DemoSeedService } from '../seed/demo-seed.service';
import { withApplication } from './cli-context';
import { print } from './cli-output';
import { registerBrandCommands } from './brand-commands';
import { registerClientCommands } from './client-commands';
import { registerMfaCommands } from './mfa-commands';
import { registerPasskeyCommands } from './passkey-commands';
import { registerIdentityProviderCommands } from './identity-provider-commands';
import { registerResourceServerCommands } from './resource-server-commands';
import { registerUserCommands } from './user-commands';

// Operator CLI: `npm run cli -- <command>`. Uses the same services as the server, against the same database.
const program = new Command()
  .name('smart-auth')
  .description('smart-auth operator commands (DATABASE_URL selects the database, as for the server)')
  .showHelpAfterError();

registerClientCommands(program);
registerUserCommands(program);
registerMfaCommands(program);
registerResourceServerCommands(program);
registerBrandCommands(program);
registerPasskeyCommands(program);
registerIdentityProviderCommands(program);

program
  .command('keys:rotate')
  .description('Rotate the signing keys; retired keys stay published until their tokens expire')
  .option('--table', 'print a table instead of JSON')
  .action(async (options: { table?: boolean }) => {
    const kids = await withApplication((app) => app.get(KeysService).rotate());
    print({ kids }, options);
  });

program
  .command('seed')
  .description('Insert the demo users, clients and FHIR resources that are missing (see README, "Demo data")')
  .option('--table', 'print a table instead of JSON')
  .action(async (options: { table?: boolean }) => {
    const result = await withApplication(async (app) => {
      const seeded = await app.get(DemoSeedService).seed();
      const fhirResources = await app.get(FhirDemoSeeder).seed();
      return { ...seeded, created: [...seeded.created, ...(fhirResources ? [`${fhirResources} FHIR resources`] : [])] };
    });
    const rows = [
      ...result.created.map((item) => ({ item, status: 'created' })),
      ...result.existing.map((item) => ({ item, status: 'existing' })),
    ];
    print(options.table ? rows : result, options);
  });

function describe(error: unknown): string {
  if (error instanceof OAuthError) return `${error.error}: ${error.description ?? ''}`;
  return error instanceof Error ? error.message || error.name : String(error ?? '') || 'unknown error';
}

program.parseAsync(process.argv).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigurationError ? error.message : `error: ${describe(error)}`}\n`);
    process.exit(1);
  },
);
