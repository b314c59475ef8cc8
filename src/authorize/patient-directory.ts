/** A patient as the pickers show it. */
export interface PatientSummary {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
}

export interface EncounterSummary {
  id: string;
  label: string;
  period?: string;
}

/** Read access to patients and encounters for the pickers and launch validation; backed by the FHIR store. */
export interface PatientDirectory {
  searchPatients(text: string, limit: number): Promise<PatientSummary[]>;
  findPatient(id: string): Promise<PatientSummary | null>;
  encountersFor(patientId: string): Promise<EncounterSummary[]>;
  findEncounter(id: string): Promise<(EncounterSummary & { patientId: string | null }) | null>;
}

export const PATIENT_DIRECTORY = Symbol('PATIENT_DIRECTORY');
