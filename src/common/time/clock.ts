import { Injectable } from '@nestjs/common';

// Wall-clock milliseconds, injected where expiry decisions are tested (a test provides a clock it can advance).
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
