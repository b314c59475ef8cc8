// So that no request can hold the event loop with a huge scope, every endpoint that takes a scope (/token, /authorize,
// /register, the admin API) refuses one larger than this before parsing or comparing it. 4096 characters is also
// /authorize's bound on any parameter; 256 tokens is far more than any SMART app asks for or an operator
// pre-authorizes.
export const MAX_SCOPE_LENGTH = 4096;
export const MAX_SCOPE_TOKENS = 256;

/** True when a scope string is longer, or holds more space-separated tokens, than any endpoint accepts. */
export function scopeTooLarge(scope: string): boolean {
  if (scope.length > MAX_SCOPE_LENGTH) return true;
  let tokens = 0;
  for (const token of scope.split(' ')) if (token !== '' && ++tokens > MAX_SCOPE_TOKENS) return true;
  return false;
}
