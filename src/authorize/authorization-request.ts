import type { ClientEntity } from '../clients/client.entity';
import type { SmartScope } from '../scopes';
import type { LaunchRecordEntity } from './launch-record.entity';

/** A validated /authorize request: the client and redirect URI are trusted, scopes negotiated with the client ceiling. */
export interface AuthorizationRequest {
  client: ClientEntity;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  aud: string;
  /** RFC 8707: the registered resource server the token is for (its base URL); absent for this server's /fhir. */
  resourceServer?: string;
  nonce?: string;
  /** OIDC Core §3.1.2.1 prompt values: none, login, consent, select_account. */
  prompt: ReadonlySet<string>;
  /** OIDC Core §3.1.2.1: the longest time since the person authenticated, in seconds. */
  maxAge?: number;
  /** OIDC Core §3.1.2.1 acr_values: requested authentication context classes, in order of preference. */
  acrValues?: string[];
  /** OIDC Core §3.1.2.1: an id_token naming the person the app expects. */
  idTokenHint?: string;
  /** requested ∩ client ceiling (SMART App Launch 2.2 §SMART's scopes are used to delegate access), in the syntax the app asked for. */
  scopes: SmartScope[];
  launch?: string;
  launchContext?: LaunchRecordEntity;
  /** The original parameters, re-submitted by each page of the flow and validated again every time. */
  parameters: Record<string, string>;
}
