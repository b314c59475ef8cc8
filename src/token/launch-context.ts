import type { LaunchContext } from '../authorize/launch-context.model';

export type { LaunchContext } from '../authorize/launch-context.model';

export const LAUNCH_CONTEXT_KEYS = [
  'patient',
  'encounter',
  'fhirContext',
  'need_patient_banner',
  'smart_style_url',
  'intent',
  'tenant',
] as const satisfies ReadonlyArray<keyof LaunchContext>;

/** Copies only the known launch-context keys that are set. */
export function pickLaunchContext(source: Record<string, unknown> | null | undefined): LaunchContext {
  const context: Record<string, unknown> = {};
  if (!source) return context;
  for (const key of LAUNCH_CONTEXT_KEYS) {
    const value = source[key];
    if (value !== undefined && value !== null) context[key] = value;
  }
  return context as LaunchContext;
}
