import { Inject, Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { UserEntity } from '../clients/user.entity';
import { UsersService } from '../clients/users.service';
import { InvalidRequestError } from '../common/oauth/errors';
import { FhirContextItem, LaunchContext } from './launch-context.model';
import { LAUNCH_TTL_SECONDS, LaunchRecordService } from './launch-record.service';
import { PATIENT_DIRECTORY, PatientDirectory } from './patient-directory';
import { hasControlCharacters } from '../common/text/control-characters';

export interface EhrLaunchRequest {
  targetClientId: unknown;
  patient?: unknown;
  encounter?: unknown;
  user?: unknown;
  fhirContext?: unknown;
  intent?: unknown;
  needPatientBanner?: unknown;
  smartStyleUrl?: unknown;
  tenant?: unknown;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RELATIVE_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

// SMART App Launch: EHR launch. The EHR (a client allowed to create launch contexts) registers the context and
// hands the app an opaque, single-use, five-minute launch value bound to that app.
@Injectable()
export class EhrLaunchService {
  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly launches: LaunchRecordService,
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
  ) {}

  async create(createdBy: string, request: EhrLaunchRequest): Promise<{ launch: string; expires_in: number }> {
    const targetClientId = text(request.targetClientId, 'target_client_id', 256);
    const target = targetClientId ? await this.clients.findEnabled(targetClientId) : null;
    if (!target) throw new InvalidRequestError('target_client_id must name an enabled registered application');

    const context: LaunchContext = {};
    const patient = text(request.patient, 'patient', 64);
    if (patient !== undefined) {
      if (!FHIR_ID.test(patient) || !(await this.directory.findPatient(patient)))
        throw new InvalidRequestError('patient is not a known Patient id');
      context.patient = patient;
    }
    const encounter = text(request.encounter, 'encounter', 64);
    if (encounter !== undefined) {
      const found = FHIR_ID.test(encounter) ? await this.directory.findEncounter(encounter) : null;
      if (!found) throw new InvalidRequestError('encounter is not a known Encounter id');
      if (patient && found.patientId && found.patientId !== patient) throw new InvalidRequestError('encounter does not belong to patient');
      context.encounter = encounter;
    }
    const fhirContext = parseFhirContext(request.fhirContext);
    if (fhirContext) context.fhirContext = fhirContext;
    const intent = text(request.intent, 'intent', 256);
    if (intent !== undefined) context.intent = intent;
    const tenant = text(request.tenant, 'tenant', 256);
    if (tenant !== undefined) context.tenant = tenant;
    const style = text(request.smartStyleUrl, 'smart_style_url', 2048);
    if (style !== undefined) {
      if (!/^https?:\/\/[^\s]+$/.test(style)) throw new InvalidRequestError('smart_style_url must be an absolute http(s) URL');
      context.smart_style_url = style;
    }
    context.need_patient_banner = parseBoolean(request.needPatientBanner) ?? true;

    const userRef = text(request.user, 'user', 512);
    const user = userRef === undefined ? null : await this.findUser(userRef);
    if (userRef !== undefined && !user) throw new InvalidRequestError('user is not a known enabled user');

    const launch = await this.launches.create({ clientId: target.clientId, createdBy, userId: user?.id ?? null, context });
    return { launch, expires_in: LAUNCH_TTL_SECONDS };
  }

  /** `user` is a username, a relative fhirUser reference (`Practitioner/x`) or an absolute fhirUser URL. */
  private async findUser(reference: string): Promise<UserEntity | null> {
    const relative = reference.match(/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/)?.[1];
    if (relative && reference.includes('/')) {
      const match = (await this.users.list()).find((user) => user.fhirUser === relative);
      return match?.enabled ? match : null;
    }
    const user = await this.users.findByUsername(reference);
    return user?.enabled ? user : null;
  }
}

function text(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // PostgreSQL text and jsonb cannot hold NUL, and no launch field needs control characters.
  if (typeof value !== 'string' || value.length > max || hasControlCharacters(value)) {
    throw new InvalidRequestError(`${name} must be a string of at most ${max} printable characters`);
  }
  return value;
}

function parseBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidRequestError('need_patient_banner must be true or false');
}

// SMART 2.2 fhirContext: objects with reference, canonical or identifier; role, when present, is a non-empty URI.
function parseFhirContext(value: unknown): FhirContextItem[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let items = value;
  if (typeof value === 'string') {
    try {
      items = JSON.parse(value);
    } catch {
      throw new InvalidRequestError('fhirContext must be a JSON array');
    }
  }
  if (!Array.isArray(items) || items.length > 20) throw new InvalidRequestError('fhirContext must be an array of at most 20 items');
  if (JSON.stringify(items).includes('\\u0000')) throw new InvalidRequestError('fhirContext must not contain NUL characters');
  return items.map((item) => {
    if (typeof item === 'string' && RELATIVE_REFERENCE.test(item)) return { reference: item };
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new InvalidRequestError('fhirContext items must be objects');
    const { reference, canonical, identifier, type, role } = item as Record<string, unknown>;
    const result: FhirContextItem = {};
    if (reference !== undefined) {
      if (typeof reference !== 'string' || !RELATIVE_REFERENCE.test(reference))
        throw new InvalidRequestError('fhirContext reference must be a relative reference such as Observation/123');
      result.reference = reference;
    }
    if (canonical !== undefined) {
      if (typeof canonical !== 'string' || !/^https?:\/\/\S+$/.test(canonical))
        throw new InvalidRequestError('fhirContext canonical must be an absolute URL');
      result.canonical = canonical;
    }
    if (identifier !== undefined) {
      if (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier))
        throw new InvalidRequestError('fhirContext identifier must be an object');
      result.identifier = identifier as Record<string, unknown>;
    }
    if (!result.reference && !result.canonical && !result.identifier)
      throw new InvalidRequestError('each fhirContext item needs reference, canonical or identifier');
    if (type !== undefined) {
      if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(type))
        throw new InvalidRequestError('fhirContext type must be a FHIR resource type');
      result.type = type;
    }
    if (role !== undefined) {
      if (typeof role !== 'string' || role === '' || role.length > 512)
        throw new InvalidRequestError('fhirContext role must be a non-empty URI');
      result.role = role;
    }
    return result;
  });
}
