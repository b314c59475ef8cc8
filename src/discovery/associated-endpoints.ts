import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/app-config';
import { ResourceServersService } from '../resource-servers/resource-servers.service';

export interface AssociatedEndpoint {
  url: string;
  capabilities: string[];
}

const KEY = 'associated_endpoints';

/**
 * SMART App Launch 2.2 `associated_endpoints` ([{url, capabilities}]): the other FHIR bases whose tokens this server
 * issues — the enabled registered resource servers, this server's own /fhir when it is a gateway in front of an
 * upstream (the upstream's address is never published), and SMART_ASSOCIATED_ENDPOINTS. Registered servers change
 * at run time, so the list is read from the database at most every 5 s.
 */
@Injectable()
export class AssociatedEndpoints {
  private readonly cache = new LRUCache<string, { endpoints: AssociatedEndpoint[] }>({ max: 1, ttl: 5_000 });

  constructor(
    private readonly config: AppConfig,
    private readonly resourceServers: ResourceServersService,
  ) {}

  async list(): Promise<AssociatedEndpoint[]> {
    const cached = this.cache.get(KEY);
    if (cached) return cached.endpoints;
    const registered = (await this.resourceServers.list()).filter((server) => server.enabled).map((server) => server.baseUrl);
    const gateway = this.config.fhirUpstreamUrl ? [this.config.fhirBaseUrl] : [];
    const urls = [...new Set([...gateway, ...registered, ...this.config.associatedEndpoints])];
    const endpoints = urls.map((url) => ({ url, capabilities: [] }));
    this.cache.set(KEY, { endpoints });
    return endpoints;
  }

  /** Forget the cached list (after an admin change in this process). */
  clear(): void {
    this.cache.clear();
  }
}
