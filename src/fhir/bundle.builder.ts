import { StoredVersion } from './store/fhir-resource.repository';

export interface BundleEntry {
  resource: Record<string, unknown>;
  mode: 'match' | 'include';
}

/** FHIR R4 Bundles (searchset and history) with absolute fullUrls and paging links. */
export class BundleBuilder {
  constructor(private readonly fhirBaseUrl: string) {}

  searchset(total: number | undefined, entries: BundleEntry[], self: string, next?: string): Record<string, unknown> {
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(total === undefined ? {} : { total }),
      link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
      entry: entries.map(({ resource, mode }) => ({ fullUrl: this.fullUrl(resource), resource, search: { mode } })),
    };
  }

  history(total: number, versions: StoredVersion[], self: string, next?: string): Record<string, unknown> {
    return {
      resourceType: 'Bundle',
      type: 'history',
      total,
      link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
      entry: versions.map((version) => ({
        fullUrl: `${this.fhirBaseUrl}/${version.resourceType}/${version.id}`,
        ...(version.resource && !version.deleted ? { resource: version.resource } : {}),
        request: {
          method: version.method ?? 'PUT',
          url: version.method === 'POST' ? version.resourceType : `${version.resourceType}/${version.id}`,
        },
        response: {
          status: version.deleted ? '204' : version.versionId === 1 ? '201' : '200',
          etag: `W/"${version.versionId}"`,
          lastModified: version.lastUpdated.toISOString(),
        },
      })),
    };
  }

  url(path: string, query?: URLSearchParams): string {
    const search = query?.toString();
    return `${this.fhirBaseUrl}/${path}${search ? `?${search}` : ''}`;
  }

  fullUrl(resource: Record<string, unknown>): string {
    return `${this.fhirBaseUrl}/${String(resource.resourceType)}/${String(resource.id)}`;
  }
}
