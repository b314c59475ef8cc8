import { EncounterSummary, PatientDirectory, PatientSummary } from './patient-directory';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * With FHIR_UPSTREAM_URL the resources live on another server that this one cannot search without a token,
 * so ids are taken as given: the picker offers the id typed into its search box, and EHR launches are trusted
 * to name real resources.
 */
export class UpstreamPatientDirectory implements PatientDirectory {
  async searchPatients(text: string): Promise<PatientSummary[]> {
    const id = text.trim();
    return FHIR_ID.test(id) ? [{ id, name: `Patient ${id}` }] : [];
  }

  async findPatient(id: string): Promise<PatientSummary | null> {
    return FHIR_ID.test(id) ? { id, name: `Patient ${id}` } : null;
  }

  async encountersFor(): Promise<EncounterSummary[]> {
    return [];
  }

  async findEncounter(id: string): Promise<(EncounterSummary & { patientId: string | null }) | null> {
    return FHIR_ID.test(id) ? { id, label: `Encounter ${id}`, patientId: null } : null;
  }
}
