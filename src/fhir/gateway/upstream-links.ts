/**
 * Upstream URLs in responses (Bundle links, fullUrls, Location) are rewritten from the upstream FHIR base to this
 * server's; anything elsewhere (another host, another path on the same host, another scheme) is not, and the
 * caller drops it: a client following a `next` link would otherwise send its token to that place.
 */
export class UpstreamLinks {
  private readonly upstream: URL;
  private readonly upstreamPath: string;

  constructor(
    upstreamBaseUrl: string,
    private readonly fhirBaseUrl: string,
  ) {
    this.upstream = new URL(upstreamBaseUrl);
    this.upstreamPath = this.upstream.pathname.replace(/\/+$/, '');
  }

  /** The URL under this server's FHIR base, or undefined when it does not point under the upstream base. */
  rewrite(url: string): string | undefined {
    let parsed: URL;
    try {
      // Relative references resolve against the upstream base (FHIR R4 bundle.html#references).
      parsed = new URL(url, `${this.upstream.origin}${this.upstreamPath}/`);
    } catch {
      return undefined;
    }
    if (parsed.origin !== this.upstream.origin || parsed.username || parsed.password) return undefined;
    const path = parsed.pathname;
    if (path !== this.upstreamPath && !path.startsWith(`${this.upstreamPath}/`)) return undefined;
    return `${this.fhirBaseUrl}${path.slice(this.upstreamPath.length)}${parsed.search}`;
  }
}
