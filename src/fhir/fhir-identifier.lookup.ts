import { Inject, Injectable } from '@nestjs/common';
import { SmartContextValue } from '../fhir-auth';
import { parseScopes } from '../scopes';
import { FHIR_BACKEND, FhirBackend } from './fhir-response';

// FHIR R4 search §3.1.1.4.8: in token search values `|`, `,`, `$` and `\` are syntax.
const PLAIN_VALUE = /^[^|,$\\\s]{1,200}$/;

/**
 * Finds resources by identifier (system|value) through the FHIR backend (the built-in store or the upstream in
 * gateway mode), as this server itself with `system/{type}.rs`. Used to find a person's fhirUser from an
 * identifier their identity provider gives (e.g. an employee number).
 */
@Injectable()
export class FhirIdentifierLookup {
  constructor(@Inject(FHIR_BACKEND) private readonly backend: FhirBackend) {}

  /** Ids of at most two matches (two means the identifier is ambiguous). */
  async findIds(resourceType: string, system: string, value: string): Promise<string[]> {
    if (!PLAIN_VALUE.test(value) || !PLAIN_VALUE.test(system)) return [];
    const context: SmartContextValue = {
      clientId: 'smart-auth',
      subject: 'smart-auth',
      jti: 'identifier-lookup',
      expiresAt: 0,
      scopes: parseScopes(`system/${resourceType}.rs`).scopes,
    };
    const response = await this.backend.search(
      context,
      resourceType,
      new URLSearchParams({ identifier: `${system}|${value}`, _count: '2' }),
      true,
    );
    const bundle = response.body as
      | { entry?: Array<{ resource?: { resourceType?: unknown; id?: unknown }; search?: { mode?: unknown } }> }
      | undefined;
    if (response.status !== 200 || !Array.isArray(bundle?.entry)) return [];
    return bundle.entry
      .filter(
        (entry) =>
          entry.search?.mode !== 'include' && entry.resource?.resourceType === resourceType && typeof entry.resource.id === 'string',
      )
      .map((entry) => entry.resource!.id as string);
  }
}
