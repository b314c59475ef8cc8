import { accountDelayMs, THROTTLE_LIMITS } from './login-throttle.policy';

describe('accountDelayMs', () => {
  it('adds no delay below the per-account threshold', () => {
    expect(accountDelayMs(0)).toBe(0);
    expect(accountDelayMs(THROTTLE_LIMITS.accountDelayAfter - 1)).toBe(0);
  });

  it('grows from one second, doubling every ten failures, up to the cap', () => {
    expect(accountDelayMs(20)).toBe(1000);
    expect(accountDelayMs(29)).toBe(1000);
    expect(accountDelayMs(30)).toBe(2000);
    expect(accountDelayMs(40)).toBe(4000);
    expect(accountDelayMs(50)).toBe(8000);
    expect(accountDelayMs(60)).toBe(10_000);
    expect(accountDelayMs(1_000_000)).toBe(10_000);
  });

  it('treats a missing count as none', () => {
    expect(accountDelayMs(Number.NaN)).toBe(0);
  });

  it('keeps the per-account threshold well above the per-pair one (a spray from one address never slows the person)', () => {
    expect(THROTTLE_LIMITS.accountDelayAfter).toBeGreaterThanOrEqual(THROTTLE_LIMITS.perAccountAndAddress * 3);
  });
});
