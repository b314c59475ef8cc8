/**
 * Every path that more than one part of the server needs to know (controllers, discovery, hooks that run before
 * routing, CORS, the error filter, client-assertion audiences): one table, so renaming a route is one edit.
 */
export const ROUTES = {
  authorize: '/authorize',
  token: '/token',
  introspect: '/introspect',
  revoke: '/revoke',
  register: '/register',
  userinfo: '/userinfo',
  launch: '/launch',
  connectedApps: '/apps',
  jwks: '/.well-known/jwks.json',
  brands: '/brands.json',
  health: '/health',
  /** The FHIR base of the built-in store or gateway; everything under it answers with OperationOutcomes. */
  fhir: '/fhir',
} as const;

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** True for the FHIR base and anything under it, except its `.well-known` discovery documents. */
export function isUnderFhirBase(url: string): boolean {
  const path = pathOf(url);
  return (path === ROUTES.fhir || path.startsWith(`${ROUTES.fhir}/`)) && !path.startsWith(`${ROUTES.fhir}/.well-known/`);
}
