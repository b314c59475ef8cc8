/** A typed authenticator code: spaces (apps show `123 456`) are ignored; anything else is passed on and fails. */
export function otpCode(typed: string): string {
  return typed.length <= 20 ? typed.replace(/\s/g, '') : '';
}
