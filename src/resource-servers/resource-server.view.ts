import { ResourceServerEntity } from './resource-server.entity';

/** The admin API and CLI representation of a resource server. */
export function resourceServerView(server: ResourceServerEntity): Record<string, unknown> {
  return {
    id: server.id,
    base_url: server.baseUrl,
    audience: server.audience,
    scope: server.scope,
    enabled: server.enabled,
    created_at: server.createdAt.toISOString(),
    updated_at: server.updatedAt.toISOString(),
  };
}
