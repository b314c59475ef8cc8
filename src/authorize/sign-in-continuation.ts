import { deserialize } from './authorize-pages';

/**
 * Where a browser goes once a sign-in (local or through an identity provider) succeeded: back into the pending
 * authorization request, or to a local page.
 */
export function afterSignInLocation(authorizationRequest: string | null | undefined, returnTo: string | null | undefined): string {
  if (authorizationRequest && Object.keys(deserialize(authorizationRequest)).length) return `/authorize?${withoutLoginPrompt(authorizationRequest)}`;
  return returnTo ?? '/apps';
}

/** After a sign-in, prompt=login and max_age (OIDC Core §3.1.2.1) have been honoured; keeping them would ask again forever. */
export function withoutLoginPrompt(authorizationRequest: string): string {
  const parameters = new URLSearchParams(authorizationRequest);
  const prompt = parameters.get('prompt');
  if (prompt === null && !parameters.has('max_age')) return authorizationRequest;
  parameters.delete('max_age');
  if (prompt === null) return parameters.toString();
  const rest = prompt.split(' ').filter((value) => value && value !== 'login');
  if (rest.length) parameters.set('prompt', rest.join(' '));
  else parameters.delete('prompt');
  return parameters.toString();
}

/** Only local paths, so a sign-in page cannot be used as an open redirector. */
export function safeReturnTo(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length < 500 ? value : undefined;
}
