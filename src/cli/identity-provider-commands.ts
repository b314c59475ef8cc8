import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsersService } from '../clients/users.service';
import { AppConfig } from '../config/app-config';
import {
  CreateIdentityProviderDto,
  federatedIdentityView,
  FederatedIdentitiesService,
  UpdateIdentityProviderDto,
  IdentityProviderCheckService,
  IdentityProvidersService,
  identityProviderView,
} from '../federation';
import { withApplication } from './cli-context';
import { print } from './cli-output';

interface FileOptions {
  file: string;
  table?: boolean;
}

// The same operations as /admin/identity-providers (README, "Connect your identity provider"). Settings come
// as the admin API's JSON from a file (or - for standard input), so secrets stay out of the process list.
export function registerIdentityProviderCommands(program: Command): void {
  program
    .command('identity-providers:create')
    .description('Add an identity provider from a JSON file in the admin API shape (secrets are write-only)')
    .requiredOption('--file <path>', 'JSON settings, e.g. {"id":"hospital-sso","type":"oidc",…}; - reads standard input')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: FileOptions) => {
      const input = await checked(CreateIdentityProviderDto, readJson(options.file));
      const provider = await withApplication((app) => app.get(IdentityProvidersService).create(input));
      print(identityProviderView(provider, publicUrl()), options);
    });

  program
    .command('identity-providers:list')
    .description('List identity providers')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { table?: boolean }) => {
      const providers = await withApplication((app) => app.get(IdentityProvidersService).list());
      print(
        providers.map((provider) => identityProviderView(provider, publicUrl())),
        options,
      );
    });

  program
    .command('identity-providers:show')
    .description('Show an identity provider, with the redirect_uri to register upstream')
    .argument('<id>')
    .action(async (id: string) => {
      const provider = await withApplication((app) => app.get(IdentityProvidersService).findById(id));
      if (!provider) throw new Error(`No identity provider ${id}`);
      print(identityProviderView(provider, publicUrl()));
    });

  program
    .command('identity-providers:update')
    .description('Change an identity provider: only the fields in the JSON file change; "enabled": false ends its sign-in sessions')
    .argument('<id>')
    .requiredOption('--file <path>', 'JSON with the fields to change; - reads standard input')
    .action(async (id: string, options: FileOptions) => {
      const input = await checked(UpdateIdentityProviderDto, readJson(options.file));
      const provider = await withApplication((app) => app.get(IdentityProvidersService).update(id, input));
      if (!provider) throw new Error(`No identity provider ${id}`);
      print(identityProviderView(provider, publicUrl()));
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    program
      .command(`identity-providers:${name}`)
      .description(
        name === 'enable'
          ? 'Offer an identity provider on the sign-in page again'
          : 'Stop sign-ins through an identity provider and end the sessions it began',
      )
      .argument('<id>')
      .action(async (id: string) => {
        const provider = await withApplication((app) => app.get(IdentityProvidersService).update(id, { enabled }));
        if (!provider) throw new Error(`No identity provider ${id}`);
        print(identityProviderView(provider, publicUrl()));
      });
  }

  program
    .command('identity-providers:delete')
    .description('Delete an identity provider, its links and the sign-in sessions it began (users stay)')
    .argument('<id>')
    .action(async (id: string) => {
      if (!(await withApplication((app) => app.get(IdentityProvidersService).remove(id)))) throw new Error(`No identity provider ${id}`);
      print({ deleted: id });
    });

  program
    .command('identity-providers:test')
    .description('Check an identity provider (OIDC discovery and keys; LDAP bind and search); exits 1 with the problems')
    .argument('<id>')
    .action(async (id: string) => {
      const result = await withApplication(async (app) => {
        const provider = await app.get(IdentityProvidersService).findById(id);
        if (!provider) throw new Error(`No identity provider ${id}`);
        return app.get(IdentityProviderCheckService).check(provider);
      });
      print(result);
      if (!result.ok) process.exitCode = 1;
    });

  program
    .command('identity-providers:link')
    .description('Link an existing user to a person at the provider (for provisioning link-only)')
    .argument('<id>')
    .requiredOption('--subject <subject>', "the provider's immutable id of the person: OIDC sub, LDAP entryUUID/objectGUID")
    .requiredOption('--user <userId>', 'the user here')
    .action(async (id: string, options: { subject: string; user: string }) => {
      const link = await withApplication(async (app) => {
        if (!(await app.get(IdentityProvidersService).findById(id))) throw new Error(`No identity provider ${id}`);
        if (!(await app.get(UsersService).findById(options.user))) throw new Error(`No user ${options.user}`);
        return app.get(FederatedIdentitiesService).link(id, options.subject, options.user);
      });
      print(federatedIdentityView(link));
    });

  program
    .command('identity-providers:links')
    .description('List the people of a provider linked to users here')
    .argument('<id>')
    .option('--table', 'print a table instead of JSON')
    .action(async (id: string, options: { table?: boolean }) => {
      const links = await withApplication((app) => app.get(FederatedIdentitiesService).list(id));
      print(links.map(federatedIdentityView), options);
    });

  program
    .command('identity-providers:unlink')
    .description('Remove a link by its id (from identity-providers:links)')
    .argument('<id>')
    .argument('<linkId>')
    .action(async (id: string, linkId: string) => {
      if (!(await withApplication((app) => app.get(FederatedIdentitiesService).remove(id, linkId))))
        throw new Error(`No link ${linkId} at ${id}`);
      print({ unlinked: linkId });
    });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (error) {
    throw new Error(`--file must hold JSON: ${(error as Error).message}`);
  }
}

/** The admin API's validation, with unknown fields refused (a typo must not pass silently). */
async function checked<T extends object>(type: new () => T, json: unknown): Promise<T> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('--file must hold a JSON object');
  const dto = plainToInstance(type, json);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length)
    throw new Error(
      errors.flatMap((error) => Object.values(error.constraints ?? { [error.property]: `${error.property} is invalid` })).join('; '),
    );
  return dto;
}

function publicUrl(): string {
  return new AppConfig(process.env).publicUrl;
}
