import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { createDataSource } from './data-source';
import { resolveDatabase } from './database-url';

// Usage: node dist/src/database/migration-cli.js run | revert | check | generate <Name>
async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  const config = new AppConfig(process.env);
  const database = await resolveDatabase(config);
  // Migrations and schema checks may take long on large tables: no statement timeout here.
  const dataSource = createDataSource(database.url, 0);
  try {
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(`Applied ${applied.length} migration(s) on ${database.description}`);
      return 0;
    }
    if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('Reverted the last migration');
      return 0;
    }
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    if (command === 'check') {
      if (sql.upQueries.length === 0) {
        console.log('Entities and migrations agree.');
        return 0;
      }
      console.error('Entities and migrations disagree; a migration is missing:');
      for (const query of sql.upQueries) console.error(`  ${query.query};`);
      return 1;
    }
    if (command === 'generate') {
      if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('generate needs a PascalCase name');
      if (sql.upQueries.length === 0) {
        console.log('No changes to generate.');
        return 0;
      }
      const timestamp = Date.now();
      const file = join(process.cwd(), 'migrations', `${timestamp}-${name}.ts`);
      const up = sql.upQueries.map((q) => `    await queryRunner.query(${literal(q.query)});`).join('\n');
      const down = sql.downQueries
        .reverse()
        .map((q) => `    await queryRunner.query(${literal(q.query)});`)
        .join('\n');
      writeFileSync(
        file,
        `import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${name}${timestamp} implements MigrationInterface {\n  name = '${name}${timestamp}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
      );
      writeMigrationIndex(join(process.cwd(), 'migrations'));
      console.log(`Wrote ${file} and listed it in migrations/index.ts; review the SQL`);
      return 0;
    }
    throw new Error(`unknown command ${command ?? ''}; use run, revert, check or generate <Name>`);
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await database.embedded?.stop();
  }
}

// migrations/index.ts lists every migration file, ordered by its timestamp prefix.
function writeMigrationIndex(dir: string): void {
  const files = readdirSync(dir)
    .filter((file) => /^\d+-[A-Za-z0-9]+\.ts$/.test(file))
    .sort();
  const entries = files.map((file) => {
    const className = /export class (\w+)/.exec(readFileSync(join(dir, file), 'utf8'))?.[1];
    return { module: `./${file.replace(/\.ts$/, '')}`, className };
  });
  const imports = entries.map((entry) => `import { ${entry.className} } from '${entry.module}';`).join('\n');
  const list = entries.map((entry) => `  ${entry.className},`).join('\n');
  writeFileSync(
    join(dir, 'index.ts'),
    `${imports}\n\n// Every migration, in order. Written by \`npm run migration:generate -- <Name>\`.\nexport const MIGRATIONS: Array<new () => unknown> = [\n${list}\n];\n`,
  );
}

function literal(query: string): string {
  return `\`${query.replace(/[`\\]/g, '\\$&').replace(/\$\{/g, '\\${')}\``;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
