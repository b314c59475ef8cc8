import { SmartScope } from '../scopes';

export type UserRole = 'patient' | 'practitioner';

/** The SMART context of a verified access token, as handlers receive it through @SmartContext(). */
export interface SmartContext {
  clientId: string;
  subject: string;
  userRole?: UserRole;
  /** Absolute URL (or relative reference) of the user's FHIR resource. */
  fhirUser?: string;
  patient?: string;
  encounter?: string;
  /**
   * The patients a restricted practitioner may see (claim `restricted_to_patients`); undefined = no restriction.
   * Bounds every user/ and patient/ scope of the token (an empty list: no patient data at all).
   */
  restrictedToPatients?: readonly string[];
  scopes: SmartScope[];
  grantId?: string;
  jti: string;
  /** RFC 9449 §6: the DPoP key thumbprint (`cnf.jkt`) the token is bound to; undefined for a Bearer token. */
  dpopJkt?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export const SMART_CONTEXT_PROPERTY = 'smartContext';
