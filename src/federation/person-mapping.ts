import { Injectable } from '@nestjs/common';
import type { UserRole } from '../clients/user.entity';
import { AppConfig } from '../config/app-config';
import { FhirIdentifierLookup } from '../fhir/fhir-identifier.lookup';
import { IdentityProviderEntity } from './identity-provider.entity';

const FHIR_USER = /^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;

export type RoleDecision = { role: UserRole } | { problem: 'no-role' | 'conflicting-roles' };

/**
 * The role from the person's upstream groups through the provider's role_map. Nobody gets a role by default:
 * no mapped group → the provider's default_role, or refused when it has none (the default); groups mapping to
 * both roles are refused rather than guessed.
 */
export function roleFor(provider: Pick<IdentityProviderEntity, 'roleMap' | 'defaultRole'>, groups: string[]): RoleDecision {
  const roles = new Set(groups.filter((group) => Object.hasOwn(provider.roleMap, group)).map((group) => provider.roleMap[group]));
  if (roles.size > 1) return { problem: 'conflicting-roles' };
  const [role] = [...roles];
  if (role) return { role };
  return provider.defaultRole ? { role: provider.defaultRole } : { problem: 'no-role' };
}

/** fhirUser from the mapped claim or attribute: a reference (relative, or absolute under this FHIR base), or an identifier to look up. */
@Injectable()
export class FhirUserResolver {
  constructor(
    private readonly config: AppConfig,
    private readonly lookup: FhirIdentifierLookup,
  ) {}

  async resolve(provider: IdentityProviderEntity, value: string | null, role: UserRole): Promise<string | null> {
    if (!value || value.length > 500) return null;
    const lookup = provider.settings.fhirUserLookup;
    let reference: string | null;
    if (lookup) {
      const ids = await this.lookup.findIds(lookup.resourceType, lookup.identifierSystem, value);
      // No match or several: the identifier does not name one record, so none is guessed.
      reference = ids.length === 1 ? `${lookup.resourceType}/${ids[0]}` : null;
    } else {
      const base = `${this.config.fhirBaseUrl}/`;
      reference = value.startsWith(base) ? value.slice(base.length) : value;
    }
    if (!reference || !FHIR_USER.test(reference)) return null;
    // A patient user is bound to their own Patient record, and only patients are (SMART: fhirUser names the user).
    return (role === 'patient') === reference.startsWith('Patient/') ? reference : null;
  }
}

/** Groups as upstream sends them: a JSON array of names, or one name. At most 200, each at most 200 characters. */
export function groupsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list.filter((item): item is string => typeof item === 'string' && item.length > 0 && item.length <= 200).slice(0, 200);
}

/** A claim as plain text (strings only, bounded), or null. */
export function textClaim(value: unknown, max = 200): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !/[\u0000-\u001f\u007f]/.test(value) ? value : null;
}
