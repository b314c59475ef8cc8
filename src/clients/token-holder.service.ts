import { Injectable } from '@nestjs/common';
import { ClientsService } from './clients.service';
import { UsersService } from './users.service';

/** Who a token was issued to, as its claims say (access tokens) or its row says (refresh tokens). */
export interface TokenHolderClaims {
  clientId: string;
  /** The user id, or the client id for tokens without a user (backend services). */
  subject: string;
  userRole?: string;
  /** The token's `restricted_to_patients`; undefined = none. */
  restrictedToPatients?: readonly string[];
}

/**
 * Disabling a client or a user ends its outstanding tokens (access ends when it is withdrawn). Both lookups are the cached ones
 * (ClientsService.findEnabled, UsersService.findEnabled: at most 5 s stale in other processes, immediate in the
 * process that made the change), so the per-request cost is a cache hit. A user whose role changed, or whose
 * restriction to some patients no longer covers the token's, also ends the token: the token may not outlive the
 * limits it was issued under.
 */
@Injectable()
export class TokenHolderService {
  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
  ) {}

  async isActive(holder: TokenHolderClaims): Promise<boolean> {
    const client = await this.clients.findEnabled(holder.clientId);
    if (!client) return false;
    if (holder.subject === holder.clientId) return true;
    const user = await this.users.findEnabled(holder.subject);
    if (!user) return false;
    if (holder.userRole !== undefined && holder.userRole !== user.role) return false;
    if (user.role === 'practitioner' && user.restrictedToPatients) {
      const allowed = new Set(user.restrictedToPatients);
      return !!holder.restrictedToPatients && holder.restrictedToPatients.every((id) => allowed.has(id));
    }
    return true;
  }
}
