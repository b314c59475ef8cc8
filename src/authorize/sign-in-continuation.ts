import { FastifyReply } from 'fastify';
import { deserialize } from './authorize-pages';
import { seeOther } from '../common/html/html-reply';

/** Where a completed sign-in goes: back into the authorization request, else the local return path (or /apps). */
export function continueAfterSignIn(
  reply: FastifyReply,
  authorizationRequest: string | null | undefined,
  returnTo: string | null | undefined,
): void {
  seeOther(reply, locationAfterSignIn(authorizationRequest, returnTo));
}

/** The same place as a URL, for sign-ins finished by a script (passkeys) rather than a form post. */
export function locationAfterSignIn(authorizationRequest: string | null | undefined, returnTo: string | null | undefined): string {
  if (authorizationRequest && Object.keys(deserialize(authorizationRequest)).length)
    return `/authorize?${withoutLoginPrompt(authorizationRequest)}`;
  return returnTo ?? '/apps';
}

/** Only local paths, so the sign-in page cannot be used as an open redirector. */
export function safeReturnTo(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length < 500 ? value : undefined;
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
