import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import { RegistrationLimitsHooks } from './registration-limits.hooks';

describe('RegistrationLimitsHooks.take', () => {
  const hooks = new RegistrationLimitsHooks({ registrationRateLimit: 2, registrationRateWindow: 60 } as AppConfig, new Clock());

  it('allows the limit per address and window, then answers the seconds left; a new window starts afresh', () => {
    const start = 1_000_000;
    expect(hooks.take('203.0.113.1', start)).toBe(0);
    expect(hooks.take('203.0.113.1', start + 1000)).toBe(0);
    expect(hooks.take('203.0.113.1', start + 2000)).toBe(58);
    expect(hooks.take('203.0.113.2', start + 2000)).toBe(0);
    expect(hooks.take('203.0.113.1', start + 59_500)).toBe(1);
    expect(hooks.take('203.0.113.1', start + 60_000)).toBe(0);
  });
});
