/** SMART App Launch 2.2 fhirContext item (scopes-and-launch-context: fhirContext). */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: Record<string, unknown>;
  type?: string;
  role?: string;
}

/** The launch context contract of docs/architecture.md: snake_case keys exactly as in the token response. */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirContext?: FhirContextItem[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  intent?: string;
  tenant?: string;
}
