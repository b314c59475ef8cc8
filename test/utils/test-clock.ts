import { Clock } from '../../src/common/time/clock';

/** A clock a test moves (replaces `Clock` through startTestApp's providers): expiry and cache lifetimes read it. */
export class TestClock extends Clock {
  private offset = 0;

  override now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  reset(): void {
    this.offset = 0;
  }
}

/** Polls `probe` until it returns true or `boundMs` passes; returns the milliseconds it took (or throws). */
export async function within(boundMs: number, probe: () => Promise<boolean>, everyMs = 25): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
