import { Injectable } from '@nestjs/common';

/**
 * One kind of second factor a person can enrol (`totp` here). Another kind (e.g. a passkey used as a second
 * factor) registers itself the same way, adds its section to views/second-factor.hbs (shown when
 * `factors.<kind>` is true), verifies on its own route under /login/two-factor, and finishes with
 * `SecondFactorService.complete()`.
 */
export interface SecondFactorKind {
  readonly kind: string;
  isEnrolled(userId: string): Promise<boolean>;
}

@Injectable()
export class SecondFactorRegistry {
  private readonly kinds = new Map<string, SecondFactorKind>();

  register(kind: SecondFactorKind): void {
    this.kinds.set(kind.kind, kind);
  }

  /** The kinds this person has enrolled; empty when they have no second factor. */
  async enrolledKinds(userId: string): Promise<string[]> {
    const all = [...this.kinds.values()];
    const enrolled = await Promise.all(all.map((kind) => kind.isEnrolled(userId)));
    return all.filter((_, index) => enrolled[index]).map((kind) => kind.kind);
  }
}
