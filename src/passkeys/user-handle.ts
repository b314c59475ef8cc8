/**
 * The WebAuthn user handle (user.id, §5.4.3) of a person: the 16 bytes of their user id, which is random and
 * carries no personal information, as the specification asks.
 */
export function userHandleFor(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex'));
}

/** The same, base64url-encoded, as a browser returns it in an assertion's `userHandle`. */
export function encodedUserHandleFor(userId: string): string {
  return Buffer.from(userHandleFor(userId)).toString('base64url');
}
