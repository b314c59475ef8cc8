import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { InvalidScopeError } from '../common/oauth/errors';
import { formatScopes, parseScopes } from '../scopes';
import { InitialAccessTokenRepository } from './initial-access-token.repository';

export interface IssueInitialAccessTokenCommand {
  description?: string | null;
  singleUse?: boolean;
  expiresInSeconds?: number | null;
  /** Scope ceiling of what a client registered with this token may hold (e.g. `system/Patient.rs`). */
  scope?: string | null;
}

export interface IssuedInitialAccessToken {
  /** Shown once; only its hash is stored. */
  token: string;
  id: string;
  singleUse: boolean;
  expiresAt: Date | null;
  scope: string | null;
}

const MAX_SCOPE_LENGTH = 4000;

/** Operator-chosen ceilings are well-formed SMART scopes; internal `__` scopes are granted per client only. */
export function checkCeilingScope(scope: string | null | undefined): string | null {
  if (scope === undefined || scope === null) return null;
  if (typeof scope !== 'string' || scope.length > MAX_SCOPE_LENGTH)
    throw new InvalidScopeError(`scope must be a string of at most ${MAX_SCOPE_LENGTH} characters`);
  const { scopes, invalid } = parseScopes(scope);
  if (invalid.length > 0) throw new InvalidScopeError(`Malformed scopes: ${invalid.join(' ')}`);
  if (scopes.length === 0) throw new InvalidScopeError('scope must name at least one scope');
  const internal = scopes.filter((candidate) => candidate.raw.startsWith('__'));
  if (internal.length > 0)
    throw new InvalidScopeError(
      `Internal scopes are granted to a client by an operator, not through registration: ${formatScopes(internal)}`,
    );
  return formatScopes(scopes);
}

// RFC 7591 §3: initial access tokens gate registration when REGISTRATION_POLICY=protected.
@Injectable()
export class InitialAccessTokensService {
  constructor(private readonly repository: InitialAccessTokenRepository) {}

  async issue(command: IssueInitialAccessTokenCommand = {}): Promise<IssuedInitialAccessToken> {
    const scope = checkCeilingScope(command.scope);
    const token = randomToken(32);
    const expiresAt = command.expiresInSeconds ? new Date(Date.now() + command.expiresInSeconds * 1000) : null;
    const row = await this.repository.insert({
      tokenHash: hashToken(token),
      description: command.description ?? null,
      singleUse: command.singleUse ?? true,
      expiresAt,
      scope,
    });
    return { token, id: row.id, singleUse: row.singleUse, expiresAt: row.expiresAt, scope: row.scope };
  }

  /** The token's scope ceiling (null: none) when it could be redeemed now, else undefined; nothing is consumed. */
  findUsable(token: string): Promise<{ scope: string | null } | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return Promise.resolve(undefined);
    return this.repository.findUsable(hashToken(token));
  }

  /** True when the token is valid; a single-use token is consumed by this call (in `manager`'s transaction when given). */
  redeem(token: string, manager?: EntityManager): Promise<boolean> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return Promise.resolve(false);
    return this.repository.redeem(hashToken(token), manager);
  }
}
