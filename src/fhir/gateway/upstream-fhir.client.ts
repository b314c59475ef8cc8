import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { OperationOutcomeError } from '../../fhir-auth';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

const FORWARDED_HEADERS = ['etag', 'last-modified', 'location', 'content-location'];

/** HTTP client for the upstream FHIR server in gateway mode: timeouts, and 502/504 OperationOutcomes on failure. */
@Injectable()
export class UpstreamFhirClient {
  private readonly logger = new Logger(UpstreamFhirClient.name);

  constructor(private readonly config: AppConfig) {}

  get baseUrl(): string {
    return this.config.fhirUpstreamUrl as string;
  }

  async request(
    method: string,
    path: string,
    query?: URLSearchParams,
    body?: unknown,
    contentType = 'application/fhir+json',
  ): Promise<UpstreamResponse> {
    const search = query?.toString();
    const url = `${this.baseUrl}${path ? `/${path}` : ''}${search ? `?${search}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/fhir+json' };
    if (this.config.fhirUpstreamAuthorization) headers.Authorization = this.config.fhirUpstreamAuthorization;
    if (body !== undefined) headers['Content-Type'] = contentType;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.fhirUpstreamTimeout * 1000),
        redirect: 'manual',
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      this.logger.warn(`Upstream ${method} ${path} failed: ${(error as Error).message}`);
      if (timedOut) throw new OperationOutcomeError(504, 'timeout', 'The upstream FHIR server did not answer in time');
      throw new OperationOutcomeError(502, 'transient', 'The upstream FHIR server could not be reached');
    }
    // Redirects are not followed (redirect: 'manual') nor relayed: the caller would carry its token to wherever
    // the upstream points.
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new OperationOutcomeError(502, 'transient', `The upstream FHIR server answered with a redirect (${response.status})`);
    }
    const parsed = await readJson(response).catch(() => {
      throw new OperationOutcomeError(502, 'transient', 'The upstream FHIR server sent an unreadable response');
    });
    // The gateway's own credentials were refused: a gateway problem, not the caller's.
    if (response.status === 401 || response.status === 403)
      throw new OperationOutcomeError(502, 'transient', 'The upstream FHIR server refused the gateway');
    if (response.status >= 500) throw new OperationOutcomeError(502, 'transient', `The upstream FHIR server failed (${response.status})`);
    return { status: response.status, headers: pickHeaders(response.headers), body: parsed };
  }
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  const text = await response.text();
  if (text.trim() === '') return undefined;
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

function pickHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers.get(name);
    if (value)
      picked[name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase()).replace('Etag', 'ETag')] =
        value;
  }
  return picked;
}
