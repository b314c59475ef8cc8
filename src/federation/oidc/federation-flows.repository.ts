import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, Repository } from 'typeorm';
import { hashToken } from '../../common/crypto/random-token';
import { ServiceUnavailableError } from '../../common/oauth/service-unavailable.error';
import { FederationFlowEntity } from './federation-flow.entity';

/** How long a person has at the identity provider before the flow (state) expires. */
export const FLOW_TTL_SECONDS = 600;

/** Flows in progress across every provider and browser; starting another past it answers 503 until some expire. */
export const MAX_LIVE_FLOWS = 10_000;

export type NewFlow = Pick<
  FederationFlowEntity,
  'providerId' | 'browserBinding' | 'codeVerifier' | 'nonce' | 'maxAge' | 'authorizationRequest' | 'returnTo'
>;

/** OIDC flows in progress, found only by the hash of their `state` and redeemed once. */
@Injectable()
export class FederationFlowsRepository {
  private readonly flows: Repository<FederationFlowEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.flows = dataSource.getRepository(FederationFlowEntity);
  }

  /**
   * Anyone with the sign-in page may start a flow, so the table is bounded by count as well as by age: a flood
   * gets 503 and Retry-After, not an ever-growing table (a soft bound: concurrent starts may pass it slightly).
   */
  async create(state: string, flow: NewFlow): Promise<void> {
    const live = await this.flows
      .createQueryBuilder('flow')
      .where('flow.expires_at > now() AND flow.used_at IS NULL')
      .limit(MAX_LIVE_FLOWS)
      .getCount();
    if (live >= MAX_LIVE_FLOWS) throw new ServiceUnavailableError('Too many sign-ins through identity providers are in progress');
    await this.flows.insert({ ...flow, stateHash: hashToken(state), expiresAt: new Date(Date.now() + FLOW_TTL_SECONDS * 1000) });
  }

  /**
   * Redeems the flow of this state for this provider and browser, once (one atomic statement). Another browser
   * presenting the state does not use it up: the person who started it can still finish.
   */
  async redeem(state: string, providerId: string, browserBinding: string): Promise<FederationFlowEntity | null> {
    // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE federation_flows SET used_at = now()
        WHERE state_hash = $1 AND provider_id = $2 AND browser_binding = $3 AND used_at IS NULL AND expires_at > now()
        RETURNING code_verifier, nonce, max_age, authorization_request, return_to`,
      [hashToken(state), providerId, browserBinding],
    );
    const row = rows[0];
    if (!row) return null;
    return this.flows.create({
      providerId,
      browserBinding,
      codeVerifier: row.code_verifier as string,
      nonce: row.nonce as string,
      maxAge: row.max_age as number | null,
      authorizationRequest: row.authorization_request as string | null,
      returnTo: row.return_to as string | null,
    });
  }

  /** The pending request of a flow that could not be redeemed (for the "back to sign-in" link only). */
  async pendingRequest(state: string, providerId: string, browserBinding: string): Promise<string | null> {
    const flow = await this.flows.findOneBy({ stateHash: hashToken(state), providerId, browserBinding });
    return flow?.authorizationRequest ?? null;
  }

  async purgeExpired(): Promise<void> {
    await this.flows.delete({ expiresAt: LessThan(new Date(Date.now() - 3600_000)) });
  }
}
