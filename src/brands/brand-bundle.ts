import { AppConfig } from '../config/app-config';
import { BrandSettings } from './brand.entity';
import { ROUTES } from '../common/http/routes';

// SMART App Launch 2.2 "User-access Brands": a Bundle (User Access Brands Bundle, type collection, timestamp
// SHALL) holding the brand (User Access Brand, an Organization) and the FHIR endpoint it offers
// (User Access Endpoint). Every entry has a fullUrl; the brand points at the endpoint and the endpoint back.
const BRAND_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/organization-brand';
const PORTAL_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/organization-portal';
const FHIR_VERSION_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/endpoint-fhir-version';

export function buildBrandBundle(brand: BrandSettings, updatedAt: Date, config: AppConfig): Record<string, unknown> {
  const organizationUrl = config.url(`${ROUTES.fhir}/Organization/brand`);
  const endpointUrl = config.url(`${ROUTES.fhir}/Endpoint/fhir`);
  const portal = [
    brand.portalName ? { url: 'portalName', valueString: brand.portalName } : undefined,
    { url: 'portalUrl', valueUrl: brand.portalUrl },
    brand.portalDescription ? { url: 'portalDescription', valueMarkdown: brand.portalDescription } : undefined,
    { url: 'portalEndpoint', valueReference: { reference: 'Endpoint/fhir' } },
  ].filter(Boolean);
  const organization = {
    resourceType: 'Organization',
    id: 'brand',
    extension: [
      ...(brand.logoUrl ? [{ url: BRAND_EXTENSION, extension: [{ url: 'brandLogo', valueUrl: brand.logoUrl }] }] : []),
      { url: PORTAL_EXTENSION, extension: portal },
    ],
    ...(brand.identifiers.length ? { identifier: brand.identifiers } : {}),
    active: true,
    name: brand.name,
    ...(brand.aliases.length ? { alias: brand.aliases } : {}),
    telecom: [{ system: 'url', value: brand.portalUrl }],
    endpoint: [{ reference: 'Endpoint/fhir' }],
  };
  const endpoint = {
    resourceType: 'Endpoint',
    id: 'fhir',
    extension: [{ url: FHIR_VERSION_EXTENSION, valueCode: '4.0.1' }],
    status: 'active',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' },
    name: brand.portalName ?? brand.name,
    managingOrganization: { reference: 'Organization/brand' },
    payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'none' }] }],
    address: config.fhirBaseUrl,
  };
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: updatedAt.toISOString(),
    entry: [
      { fullUrl: organizationUrl, resource: organization },
      { fullUrl: endpointUrl, resource: endpoint },
    ],
  };
}
