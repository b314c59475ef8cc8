import { Command } from 'commander';
import { resourceServerView } from '../resource-servers/resource-server.view';
import { ResourceServersService } from '../resource-servers/resource-servers.service';
import { withApplication } from './cli-context';
import { print } from './cli-output';

interface CreateOptions {
  baseUrl: string;
  audience?: string;
  scope: string;
  disabled?: boolean;
  table?: boolean;
}

// The same operations as /admin/resource-servers (docs/tokens.md "Resource servers and audiences").
export function registerResourceServerCommands(program: Command): void {
  program
    .command('resource-servers:create')
    .description('Register a resource server; tokens for it carry its audience and at most its scopes')
    .requiredOption('--base-url <url>', 'the URL apps send as aud or resource (https; loopback http outside production)')
    .option('--audience <uri>', 'the aud claim of its tokens (default: the base URL)')
    .requiredOption('--scope <scopes>', 'scope ceiling, e.g. "patient/Observation.rs system/Observation.rs"')
    .option('--disabled', 'register it disabled')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: CreateOptions) => {
      const server = await withApplication((app) =>
        app
          .get(ResourceServersService)
          .create({ baseUrl: options.baseUrl, audience: options.audience, scope: options.scope, enabled: !options.disabled }),
      );
      print(resourceServerView(server), options);
    });

  program
    .command('resource-servers:list')
    .description('List resource servers')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { table?: boolean }) => {
      const servers = await withApplication((app) => app.get(ResourceServersService).list());
      print(servers.map(resourceServerView), options);
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    program
      .command(`resource-servers:${name}`)
      .description(`${name === 'enable' ? 'Enable' : 'Disable'} a resource server by id`)
      .argument('<id>')
      .option('--table', 'print a table instead of JSON')
      .action(async (id: string, options: { table?: boolean }) => {
        const server = await withApplication((app) => app.get(ResourceServersService).update(id, { enabled }));
        if (!server) throw new Error(`No resource server ${id}`);
        print(resourceServerView(server), options);
      });
  }

  program
    .command('resource-servers:delete')
    .description('Delete a resource server by id; its refresh tokens stop refreshing')
    .argument('<id>')
    .action(async (id: string) => {
      const removed = await withApplication((app) => app.get(ResourceServersService).remove(id));
      if (!removed) throw new Error(`No resource server ${id}`);
      print({ deleted: id });
    });
}
