/** Sign-in throttling limits (docs/authorize.md, "Sign-in throttling"). */
export const THROTTLE_LIMITS = {
  windowSeconds: 15 * 60,
  /** Failures of one account from one address before that pair waits out the window. */
  perAccountAndAddress: 5,
  /** Failures from one address over all accounts before that address waits out the window. */
  perAddress: 100,
  /** Failures of one account from any address before its sign-ins are slowed. */
  accountDelayAfter: 20,
  /** The delay doubles every this many further failures … */
  accountDelayDoublesEvery: 10,
  accountDelayBaseMs: 1000,
  /** … up to this. */
  accountDelayMaxMs: 10_000,
} as const;

/**
 * The delay before checking a password for an account that failed `failures` times in the window: none below
 * the threshold, then 1 s doubling every ten failures, capped at 10 s. It slows guessing (NIST SP 800-63B
 * §5.2.2) without ever refusing the right password.
 */
export function accountDelayMs(failures: number, limits: typeof THROTTLE_LIMITS = THROTTLE_LIMITS): number {
  if (!(failures >= limits.accountDelayAfter)) return 0;
  const doublings = Math.floor((failures - limits.accountDelayAfter) / limits.accountDelayDoublesEvery);
  return Math.min(limits.accountDelayBaseMs * 2 ** Math.min(doublings, 30), limits.accountDelayMaxMs);
}
