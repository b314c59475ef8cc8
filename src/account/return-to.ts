/**
 * A local path only (the sign-in page's rule for return_to), so these pages cannot become open redirectors; longer
 * than the sign-in page allows, since it may hold a whole authorization request (`/authorize?…`).
 */
export function localReturnTo(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length <= 2000 ? value : null;
}

/** Where "Sign in" leads after a reset: back into an authorization request, or the sign-in page (then `returnTo`). */
export function signInLink(returnTo: string | null): string {
  if (!returnTo) return '/login';
  if (returnTo.startsWith('/authorize?')) return returnTo;
  return `/login?return_to=${encodeURIComponent(returnTo)}`;
}
