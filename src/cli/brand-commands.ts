import { Command } from 'commander';
import { brandView } from '../brands/brand.view';
import { BrandsService } from '../brands/brands.service';
import { withApplication } from './cli-context';
import { print } from './cli-output';

interface SetOptions {
  name: string;
  logoUrl?: string;
  portalUrl: string;
  portalName?: string;
  portalDescription?: string;
  identifier: string[];
  alias: string[];
  table?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `system|value` or just `value` (FHIR token syntax). */
function identifier(raw: string): { system?: string; value: string } {
  const bar = raw.lastIndexOf('|');
  return bar < 0 ? { value: raw } : { system: raw.slice(0, bar), value: raw.slice(bar + 1) };
}

// The same operations as /admin/brand (docs/brands.md). A running server picks a change up within 30 s.
export function registerBrandCommands(program: Command): void {
  program
    .command('brand:set')
    .description('Set the user-access brand published at /brands.json (SMART 2.2 brands); replaces it whole')
    .requiredOption('--name <name>', 'organization name shown to patients')
    .requiredOption('--portal-url <url>', 'patient portal (https)')
    .option('--logo-url <url>', 'brand logo (https)')
    .option('--portal-name <name>', 'portal name')
    .option('--portal-description <markdown>', 'portal description')
    .option('--identifier <system|value>', 'organization identifier (repeatable; the first is advertised)', collect, [])
    .option('--alias <name>', 'another name of the organization (repeatable)', collect, [])
    .option('--table', 'print a table instead of JSON')
    .action(async (options: SetOptions) => {
      const brand = await withApplication((app) =>
        app.get(BrandsService).save({
          name: options.name,
          logo_url: options.logoUrl,
          portal_url: options.portalUrl,
          portal_name: options.portalName,
          portal_description: options.portalDescription,
          identifiers: options.identifier.map(identifier),
          aliases: options.alias,
        }),
      );
      print(brandView(brand), options);
    });

  program
    .command('brand:show')
    .description('Show the user-access brand')
    .option('--table', 'print a table instead of JSON')
    .action(async (options: { table?: boolean }) => {
      const brand = await withApplication((app) => app.get(BrandsService).read());
      if (!brand) throw new Error('No user-access brand is configured');
      print(brandView(brand), options);
    });

  program
    .command('brand:delete')
    .description('Remove the user-access brand (/brands.json answers 404)')
    .action(async () => {
      const removed = await withApplication((app) => app.get(BrandsService).remove());
      if (!removed) throw new Error('No user-access brand is configured');
      print({ deleted: 'brand' });
    });
}
