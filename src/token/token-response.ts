import { LaunchContext } from './launch-context';

/** RFC 6749 §5.1 plus the SMART launch context (SMART App Launch 2.2 §Launch context arrives with your access_token). */
export interface TokenResponseBody extends LaunchContext {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}
