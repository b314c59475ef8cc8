import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../time/clock';
import { DEFAULT_OUTBOUND_FETCH_LIMITS, HostResolver, OutboundFetcher, OutboundFetchLimits, systemResolver } from './outbound-fetcher';
import { outboundPolicyOf } from './outbound-policy';

/** Deadline, size and concurrency limits of outbound fetches; tests provide shorter ones. */
export const OUTBOUND_FETCH_LIMITS = Symbol('OUTBOUND_FETCH_LIMITS');
/** Name resolution (dns.lookup); tests provide one that answers chosen addresses, as a hostile DNS server would. */
export const OUTBOUND_HOST_RESOLVER = Symbol('OUTBOUND_HOST_RESOLVER');

// Fetches of URLs that clients or operators chose (jwks_uri, identity-provider endpoints), under OUTBOUND_* settings.
@Module({
  providers: [
    Clock,
    { provide: OUTBOUND_FETCH_LIMITS, useValue: DEFAULT_OUTBOUND_FETCH_LIMITS },
    { provide: OUTBOUND_HOST_RESOLVER, useValue: systemResolver },
    {
      provide: OutboundFetcher,
      useFactory: (config: AppConfig, limits: OutboundFetchLimits, resolver: HostResolver) =>
        new OutboundFetcher(outboundPolicyOf(config), limits, resolver),
      inject: [AppConfig, OUTBOUND_FETCH_LIMITS, OUTBOUND_HOST_RESOLVER],
    },
  ],
  exports: [Clock, OutboundFetcher, OUTBOUND_FETCH_LIMITS, OUTBOUND_HOST_RESOLVER],
})
export class OutboundModule {}
