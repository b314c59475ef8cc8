import { Injectable } from '@nestjs/common';
import { hashToken, randomToken } from '../common/crypto/random-token';
import { InitialAccessTokenRepository } from './initial-access-token.repository';

export interface IssueInitialAccessTokenCommand {
  description?: string | null;
  singleUse?: boolean;
  expiresInSeconds?: number | null;
}

export interface IssuedInitialAccessToken {
  /** Shown once; only its hash is stored. */
  token: string;
  id: string;
  singleUse: boolean;
  expiresAt: Date | null;
}

// RFC 7591 §3: initial access tokens gate registration when REGISTRATION_POLICY=protected.
@Injectable()
export class InitialAccessTokensService {
  constructor(private readonly repository: InitialAccessTokenRepository) {}

  async issue(command: IssueInitialAccessTokenCommand = {}): Promise<IssuedInitialAccessToken> {
    const token = randomToken(32);
    const expiresAt = command.expiresInSeconds ? new Date(Date.now() + command.expiresInSeconds * 1000) : null;
    const row = await this.repository.insert({
      tokenHash: hashToken(token),
      description: command.description ?? null,
      singleUse: command.singleUse ?? true,
      expiresAt,
    });
    return { token, id: row.id, singleUse: row.singleUse, expiresAt: row.expiresAt };
  }

  /** True when the token could be redeemed now (nothing is consumed). */
  isUsable(token: string): Promise<boolean> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return Promise.resolve(false);
    return this.repository.isUsable(hashToken(token));
  }

  /** True when the token is valid; a single-use token is consumed by this call. */
  redeem(token: string): Promise<boolean> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return Promise.resolve(false);
    return this.repository.redeem(hashToken(token));
  }
}
