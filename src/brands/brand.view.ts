import { BrandSettings } from './brand.entity';

/** The admin API / CLI shape (the DTO's names). */
export function brandView(brand: BrandSettings): Record<string, unknown> {
  return {
    name: brand.name,
    logo_url: brand.logoUrl ?? null,
    portal_url: brand.portalUrl,
    portal_name: brand.portalName ?? null,
    portal_description: brand.portalDescription ?? null,
    identifiers: brand.identifiers,
    aliases: brand.aliases,
  };
}
