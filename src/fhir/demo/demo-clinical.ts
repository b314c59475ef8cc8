const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const US_CORE_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_CONDITION_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';

type Resource = Record<string, unknown>;

function observation(
  id: string,
  patient: string,
  system: string,
  category: string,
  loinc: string,
  display: string,
  date: string,
  value: Resource,
): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: loinc, display }], text: display },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: date,
    ...value,
  };
}

function condition(
  id: string,
  patient: string,
  system: string,
  category: string,
  snomed: string,
  display: string,
  date: string,
  encounter?: string,
): Resource {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system, code: category }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: snomed, display }], text: display },
    subject: { reference: `Patient/${patient}` },
    ...(encounter ? { encounter: { reference: `Encounter/${encounter}` } } : {}),
    onsetDateTime: date,
    recordedDate: date,
  };
}

const quantity = (value: number, unit: string, code = unit): Resource => ({
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code },
});
const text = (value: string): Resource => ({ valueString: value });
const coded = (system: string, code: string, display: string): Resource => ({
  valueCodeableConcept: { coding: [{ system, code, display }], text: display },
});

// Observations in every US Core category (SMART App Launch 2.2 §Finer-grained resource constraints using search
// parameters; HTI-1 granular scopes) for several patients.
export const DEMO_OBSERVATIONS: Resource[] = [
  observation(
    'example-lab-1',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'laboratory',
    '4548-4',
    'Hemoglobin A1c',
    '2024-03-04T09:20:00Z',
    quantity(5.4, '%'),
  ),
  observation(
    'example-lab-2',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'laboratory',
    '2093-3',
    'Cholesterol [Mass/volume] in Serum or Plasma',
    '2024-03-04T09:20:00Z',
    quantity(182, 'mg/dL'),
  ),
  observation(
    'example-lab-3',
    'example-patient-2',
    OBSERVATION_CATEGORY,
    'laboratory',
    '4548-4',
    'Hemoglobin A1c',
    '2024-05-20T23:00:00Z',
    quantity(7.9, '%'),
  ),
  observation(
    'example-vitals-1',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'vital-signs',
    '8867-4',
    'Heart rate',
    '2024-03-04T09:05:00Z',
    quantity(72, 'beats/minute', '/min'),
  ),
  observation(
    'example-vitals-2',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'vital-signs',
    '29463-7',
    'Body weight',
    '2024-09-12T14:05:00Z',
    quantity(61.2, 'kg'),
  ),
  observation(
    'example-vitals-3',
    'example-patient-2',
    OBSERVATION_CATEGORY,
    'vital-signs',
    '8867-4',
    'Heart rate',
    '2024-05-20T22:15:00Z',
    quantity(104, 'beats/minute', '/min'),
  ),
  observation(
    'example-vitals-4',
    'example-patient-3',
    OBSERVATION_CATEGORY,
    'vital-signs',
    '8302-2',
    'Body height',
    '2024-01-10T10:00:00Z',
    quantity(142, 'cm'),
  ),
  observation(
    'example-social-1',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'social-history',
    '72166-2',
    'Tobacco smoking status',
    '2024-03-04T09:10:00Z',
    coded('http://snomed.info/sct', '266919005', 'Never smoked tobacco'),
  ),
  observation(
    'example-social-2',
    'example-patient-2',
    OBSERVATION_CATEGORY,
    'social-history',
    '72166-2',
    'Tobacco smoking status',
    '2024-05-20T22:20:00Z',
    coded('http://snomed.info/sct', '8517006', 'Ex-smoker'),
  ),
  observation(
    'example-survey-1',
    'example-patient-1',
    OBSERVATION_CATEGORY,
    'survey',
    '44249-1',
    'PHQ-9 quick depression assessment panel',
    '2024-09-12T14:20:00Z',
    quantity(3, '{score}'),
  ),
  observation(
    'example-survey-2',
    'example-patient-3',
    OBSERVATION_CATEGORY,
    'survey',
    '44249-1',
    'PHQ-9 quick depression assessment panel',
    '2024-01-10T10:15:00Z',
    quantity(1, '{score}'),
  ),
  observation(
    'example-sdoh-1',
    'example-patient-1',
    US_CORE_CATEGORY,
    'sdoh',
    '88122-7',
    'Within the past 12 months we worried whether our food would run out',
    '2024-09-12T14:25:00Z',
    text('Never true'),
  ),
  observation(
    'example-sdoh-2',
    'example-patient-2',
    US_CORE_CATEGORY,
    'sdoh',
    '71802-3',
    'Housing status',
    '2024-05-21T01:00:00Z',
    text('Worried about losing housing'),
  ),
];

export const DEMO_CONDITIONS: Resource[] = [
  condition('example-condition-1', 'example-patient-1', CONDITION_CATEGORY, 'problem-list-item', '195967001', 'Asthma', '2015-06-01'),
  condition(
    'example-condition-2',
    'example-patient-1',
    CONDITION_CATEGORY,
    'encounter-diagnosis',
    '36971009',
    'Sinusitis',
    '2024-09-12',
    'example-encounter-2',
  ),
  condition('example-condition-3', 'example-patient-1', US_CORE_CONDITION_CATEGORY, 'health-concern', '73595000', 'Stress', '2024-09-12'),
  condition(
    'example-condition-4',
    'example-patient-2',
    CONDITION_CATEGORY,
    'problem-list-item',
    '44054006',
    'Diabetes mellitus type 2',
    '2019-02-11',
  ),
  condition(
    'example-condition-5',
    'example-patient-2',
    CONDITION_CATEGORY,
    'encounter-diagnosis',
    '29857009',
    'Chest pain',
    '2024-05-20',
    'example-encounter-3',
  ),
  condition(
    'example-condition-6',
    'example-patient-3',
    US_CORE_CONDITION_CATEGORY,
    'health-concern',
    '161891005',
    'Backache',
    '2024-01-10',
  ),
];

export const DEMO_MEDICATIONS: Resource[] = [
  {
    resourceType: 'Medication',
    id: 'example-medication-1',
    code: {
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '745679', display: 'albuterol 0.09 MG/ACTUAT inhalant solution' },
      ],
    },
  },
  {
    resourceType: 'Medication',
    id: 'example-medication-2',
    code: {
      coding: [
        {
          system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
          code: '860975',
          display: 'metformin hydrochloride 500 MG Extended Release Oral Tablet',
        },
      ],
    },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'example-medication-request-1',
    status: 'active',
    intent: 'order',
    medicationReference: { reference: 'Medication/example-medication-1' },
    subject: { reference: 'Patient/example-patient-1' },
    requester: { reference: 'Practitioner/example-practitioner-1' },
    authoredOn: '2024-03-04',
  },
  {
    resourceType: 'MedicationRequest',
    id: 'example-medication-request-2',
    status: 'active',
    intent: 'order',
    medicationReference: { reference: 'Medication/example-medication-2' },
    subject: { reference: 'Patient/example-patient-2' },
    requester: { reference: 'Practitioner/example-practitioner-2' },
    authoredOn: '2024-05-21',
  },
  {
    resourceType: 'AllergyIntolerance',
    id: 'example-allergy-1',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }],
    },
    category: ['medication'],
    code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' }] },
    patient: { reference: 'Patient/example-patient-1' },
    recordedDate: '2016-04-02',
  },
  {
    resourceType: 'AllergyIntolerance',
    id: 'example-allergy-2',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    category: ['food'],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '91935009', display: 'Allergy to peanuts' }] },
    patient: { reference: 'Patient/example-patient-3' },
    recordedDate: '2018-08-30',
  },
];
