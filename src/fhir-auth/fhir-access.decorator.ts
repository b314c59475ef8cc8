import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Interaction, ScopeContext } from '../scopes';

/** Read the resource type from the `type` route parameter. */
export const FROM_ROUTE = 'param';
/** Any resource type: at least one scope granting the interaction (system-level search, $export). */
export const ANY_TYPE = 'any';

export interface FhirAccessRequirement {
  resourceType: string;
  /** `per-entry`: the token is verified here and the handler checks each entry (SMART App Launch 2.2 §Batches and Transactions). */
  interaction: Interaction | 'per-entry';
  contexts?: readonly ScopeContext[];
}

export const FHIR_ACCESS_KEY = 'smart:fhir-access';
export const PUBLIC_FHIR_ROUTE_KEY = 'smart:public-fhir-route';

/** Declares what a FHIR route needs; routes under the FHIR base without it are refused (default deny). */
export function RequiresFhirAccess(
  resourceType: string,
  interaction: FhirAccessRequirement['interaction'],
  contexts?: readonly ScopeContext[],
): MethodDecorator & ClassDecorator {
  return SetMetadata(FHIR_ACCESS_KEY, { resourceType, interaction, contexts } satisfies FhirAccessRequirement);
}

/** Marks a route under the FHIR base as readable without a token (metadata and .well-known: clients discover before they authorize). */
export function PublicFhirRoute(): MethodDecorator & ClassDecorator {
  // Also as Fastify route config, which the onRequest hook (before Nest's metadata is reachable) reads.
  return applyDecorators(SetMetadata(PUBLIC_FHIR_ROUTE_KEY, true), RouteConfig({ [PUBLIC_FHIR_ROUTE_KEY]: true }));
}
