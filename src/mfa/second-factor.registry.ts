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
  /** For an operator's reset of every factor: removes this kind's enrolments of the person; how many went. */
  removeAll?(userId: string): Promise<number>;
}

@Injectable()
export class SecondFactorRegistry {
  private readonly kinds = new Map<string, SecondFactorKind>();

  register(kind: SecondFactorKind): void {
    this.kinds.set(kind.kind, kind);
  }

  /** Removes the person's enrolments of every kind that can be removed this way, by kind. */
  async removeAll(userId: string): Promise<Record<string, number>> {
    const removable = [...this.kinds.values()].filter((kind) => kind.removeAll);
    const counts = await Promise.all(removable.map((kind) => kind.removeAll?.(userId) ?? Promise.resolve(0)));
    return Object.fromEntries(removable.map((kind, index) => [kind.kind, counts[index]]));
  }

  /** The kinds this person has enrolled; empty when they have no second factor. */
  async enrolledKinds(userId: string): Promise<string[]> {
    const all = [...this.kinds.values()];
    const enrolled = await Promise.all(all.map((kind) => kind.isEnrolled(userId)));
    return all.filter((_, index) => enrolled[index]).map((kind) => kind.kind);
  }
}
