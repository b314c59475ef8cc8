import { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, embeddedKeyEncryptionSecret, startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded: EmbeddedDatabase | null;
  description: string;
}

// DATABASE_URL wins; otherwise a real PostgreSQL is started from the embedded-postgres package.
export async function resolveDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: null, description: `PostgreSQL at ${redact(config.databaseUrl)}` };
  }
  const embedded = await startEmbeddedPostgres(config.embeddedPostgresDir);
  // The embedded development server seals its signing keys too, under a secret kept beside the cluster.
  // process.env, because the application's AppConfig is built from it after this (main.ts, the CLI).
  if (!config.keyEncryptionSecret) process.env.KEY_ENCRYPTION_SECRET = embeddedKeyEncryptionSecret(config.embeddedPostgresDir);
  return {
    url: embedded.url,
    embedded,
    description: embedded.ownerPid
      ? `embedded PostgreSQL in ${config.embeddedPostgresDir}, already run by process ${embedded.ownerPid}; connected to it (${redact(embedded.url)}), and it stops when that process stops`
      : `embedded PostgreSQL in ${config.embeddedPostgresDir} (${redact(embedded.url)})`,
  };
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
