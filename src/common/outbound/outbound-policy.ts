import { AppConfig } from '../../config/app-config';

/** Which targets outbound fetches (jwks_uri, and later identity-provider discovery) may reach. */
export interface OutboundPolicy {
  /** RFC 1918, RFC 4193, CGNAT and loopback targets (on-premises deployments); never link-local or metadata. */
  allowPrivateNetworks: boolean;
  /** Plain http to loopback hosts (development and tests); production refuses the setting at boot. */
  allowHttpLoopback: boolean;
}

export const STRICT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({ allowPrivateNetworks: false, allowHttpLoopback: false });

export function outboundPolicyOf(config: AppConfig): OutboundPolicy {
  return { allowPrivateNetworks: config.outboundAllowPrivateNetworks, allowHttpLoopback: config.outboundAllowHttpLoopback };
}
