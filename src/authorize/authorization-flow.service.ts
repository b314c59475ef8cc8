import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { UserEntity } from '../clients/user.entity';
import { AppConfig } from '../config/app-config';
import { GrantEntity } from '../grants/grant.entity';
import { GrantsService } from '../grants/grants.service';
import { formatScopes, isResourceScope, isSubsetOf, parseScopes, restrictToApproved, SmartScope } from '../scopes';
import { AuthorizationCodeService } from './authorization-code.service';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizeRedirectError } from './authorize-redirect.error';
import { AuthorizingUser } from './authorizing-user';
import { ConsentItem, consentItems } from './consent-items';
import { LaunchContext } from './launch-context.model';
import { LaunchRecordService } from './launch-record.service';
import { EncounterSummary, PATIENT_DIRECTORY, PatientDirectory, PatientSummary } from './patient-directory';
import { buildRedirectUrl } from '../common/oauth/redirect-url';
import { SmartStyleService } from './smart-style.service';

export interface FlowChoices {
  patient?: string;
  encounter?: string;
  patientSearch?: string;
  decision?: string;
  approvedScopes?: string[];
}

export type FlowStep =
  | { kind: 'patient-picker'; patients: PatientSummary[]; search: string; error?: string }
  | { kind: 'encounter-picker'; patient: PatientSummary; encounters: EncounterSummary[]; error?: string }
  | { kind: 'consent'; patient: PatientSummary | null; encounter?: string; items: ConsentItem[] }
  | { kind: 'redirect'; location: string };

const PICKER_LIMIT = 50;

// After sign-in: establish patient and encounter context (SMART App Launch 2.2 §Scopes for requesting context data), ask for or
// reuse consent, issue the code (SMART App Launch 2.2 §Obtain authorization code).
@Injectable()
export class AuthorizationFlowService {
  constructor(
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
    private readonly grants: GrantsService,
    private readonly codes: AuthorizationCodeService,
    private readonly launches: LaunchRecordService,
    private readonly style: SmartStyleService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async advance(request: AuthorizationRequest, who: AuthorizingUser, choices: FlowChoices, ip: string | null = null): Promise<FlowStep> {
    const step = await this.nextStep(request, who, choices, ip);
    // OIDC Core §3.1.2.6: with prompt=none nothing may be shown to the user.
    if (request.prompt.has('none') && step.kind === 'consent') throw this.fail(request, 'consent_required', 'Consent is required.');
    if (request.prompt.has('none') && step.kind !== 'redirect')
      throw this.fail(request, 'interaction_required', 'A choice by the user is required.');
    return step;
  }

  private async nextStep(request: AuthorizationRequest, who: AuthorizingUser, choices: FlowChoices, ip: string | null): Promise<FlowStep> {
    const { user } = who;
    const launched = request.launchContext?.context ?? {};
    let patient: PatientSummary | null = null;
    if (launched.patient) {
      // The EHR chooses the patient, but never beyond what the signed-in user may see.
      if (!mayAccessPatient(user, launched.patient))
        throw this.fail(request, 'access_denied', 'The signed-in user may not access the launch patient.');
      patient = (await this.directory.findPatient(launched.patient)) ?? { id: launched.patient, name: launched.patient };
    } else if (needsPatient(request.scopes)) {
      if (user.role === 'patient') {
        const own = ownPatientId(user);
        if (!own) throw this.fail(request, 'access_denied', 'Your account is not linked to a patient record.');
        patient = (await this.directory.findPatient(own)) ?? { id: own, name: user.displayName };
      } else {
        const picked = await this.pickPatient(user, choices);
        if ('kind' in picked) return picked;
        patient = picked;
      }
    }

    let encounter = launched.encounter;
    if (!encounter && patient && needsEncounter(request.scopes)) {
      const encounters = await this.directory.encountersFor(patient.id);
      if (encounters.length > 0) {
        const chosen = encounters.find((item) => item.id === choices.encounter);
        if (!chosen) {
          return {
            kind: 'encounter-picker',
            patient,
            encounters,
            error: choices.encounter ? 'Choose one of the listed encounters.' : undefined,
          };
        }
        encounter = chosen.id;
      }
    }

    // The person saw the consent page (the app and its redirect host): these errors go back to the app.
    if (choices.decision === 'deny') throw this.fail(request, 'access_denied', 'The user denied the request.', true);
    let granted: SmartScope[];
    let approval: { scope: string } | null = null;
    let remembered: GrantEntity | null = null;
    if (choices.decision === 'approve') {
      granted = restrictToApproved(request.scopes, choices.approvedScopes ?? []);
      if (granted.length === 0) throw this.fail(request, 'access_denied', 'The user approved none of the requested scopes.', true);
      approval = { scope: await this.rememberedScope(request, user, granted) };
    } else {
      // A remembered grant covering every requested scope skips the consent page (RFC 6749 §10.2).
      // Grants do not record a resource server, so a token for a registered one always asks (RFC 8707).
      remembered = await this.grants.findActive(user.id, request.client.clientId);
      if (
        !remembered ||
        request.prompt.has('consent') ||
        request.resourceServer !== undefined ||
        !isSubsetOf(request.scopes, parseScopes(remembered.scope).scopes)
      ) {
        return { kind: 'consent', patient, encounter, items: consentItems(request.scopes) };
      }
      granted = request.scopes;
    }

    const context = this.launchContext(launched, patient, encounter);
    const loginSessionId = await who.loginSessionId();
    const clientId = request.client.clientId;
    const scope = formatScopes(granted);
    // The consent, the spent launch, the code and their audit events commit together: no redirect carries a code
    // whose issuance is not recorded, and a refused one leaves the consent and the launch as they were.
    const code = await this.audit.transaction(async (manager) => {
      let grantId = remembered?.id as string;
      if (approval) {
        const grant = await this.grants.upsertApproval(user.id, clientId, approval.scope, manager);
        grantId = grant.id;
        const detail = { scope: approval.scope, replaced_grant_id: grant.replaced };
        await this.audit.record({ event: 'consent_granted', outcome: 'success', clientId, grantId, userId: user.id, ip, detail }, manager);
      }
      if (request.launch !== undefined && !(await this.launches.consume(request.launch, clientId, manager))) {
        throw this.fail(
          request,
          'invalid_request',
          'The launch value is unknown, expired, already used or issued for another application.',
        );
      }
      const issued = await this.codes.issue(
        {
          clientId,
          redirectUri: request.redirectUri,
          codeChallenge: request.codeChallenge,
          scope,
          launchContext: context,
          aud: request.aud,
          userId: user.id,
          loginSessionId,
          authTime: who.authTime,
          amr: who.amr,
          grantId,
          nonce: request.nonce ?? null,
        },
        manager,
      );
      const detail = { scope, launch: request.launch !== undefined, via_launch: who.viaLaunch, remembered_consent: approval === null };
      await this.audit.record({ event: 'code_issued', outcome: 'success', clientId, grantId, userId: user.id, ip, detail }, manager);
      return issued;
    });
    // RFC 9207: iss lets the app detect mix-up attacks.
    return { kind: 'redirect', location: buildRedirectUrl(request.redirectUri, { code, state: request.state, iss: this.config.issuer }) };
  }

  // Incremental consent: earlier approvals the request did not ask about stay remembered; what it asked about
  // is replaced by this decision, so an unticked scope is no longer remembered.
  private async rememberedScope(request: AuthorizationRequest, user: UserEntity, granted: SmartScope[]): Promise<string> {
    const previous = await this.grants.findActive(user.id, request.client.clientId);
    const asked = new Set(request.scopes.map((scope) => scope.raw));
    const kept = previous ? parseScopes(previous.scope).scopes.filter((scope) => !asked.has(scope.raw)) : [];
    return [...new Set([...kept, ...granted].map((scope) => scope.raw))].join(' ');
  }

  private async pickPatient(user: UserEntity, choices: FlowChoices): Promise<PatientSummary | FlowStep> {
    const allowed = (id: string) => !user.restrictedToPatients || user.restrictedToPatients.includes(id);
    if (choices.patient && allowed(choices.patient)) {
      const found = await this.directory.findPatient(choices.patient);
      if (found) return found;
    }
    const search = (choices.patientSearch ?? '').slice(0, 100);
    const candidates = user.restrictedToPatients
      ? (await Promise.all(user.restrictedToPatients.map((id) => this.directory.findPatient(id)))).filter(
          (found): found is PatientSummary =>
            !!found && (!search || `${found.id} ${found.name}`.toLowerCase().includes(search.toLowerCase())),
        )
      : await this.directory.searchPatients(search, PICKER_LIMIT);
    return {
      kind: 'patient-picker',
      patients: candidates,
      search,
      error: choices.patient ? 'Choose one of the listed patients.' : undefined,
    };
  }

  private launchContext(launched: LaunchContext, patient: PatientSummary | null, encounter: string | undefined): LaunchContext {
    return compact({
      ...launched,
      patient: patient?.id,
      encounter,
      // SMART App Launch 2.2 §Launch context arrives with your access_token: always tell the app whether to show a
      // banner and where the style lives.
      need_patient_banner: launched.need_patient_banner ?? true,
      smart_style_url: launched.smart_style_url ?? this.style.url(),
    });
  }

  /** `afterConsent`: the person has seen the consent page; before that an unverified app's errors are pages. */
  fail(request: AuthorizationRequest, error: string, description: string, afterConsent = false): AuthorizeRedirectError {
    return new AuthorizeRedirectError(
      request.redirectUri,
      error,
      description,
      request.state,
      this.config.issuer,
      !afterConsent && !request.client.verified,
    );
  }
}

function needsPatient(scopes: readonly SmartScope[]): boolean {
  return scopes.some(
    (scope) => (isResourceScope(scope) && scope.context === 'patient') || (scope.kind === 'launch' && scope.launchType === 'patient'),
  );
}

function needsEncounter(scopes: readonly SmartScope[]): boolean {
  return scopes.some((scope) => scope.kind === 'launch' && scope.launchType === 'encounter');
}

function mayAccessPatient(user: UserEntity, patientId: string): boolean {
  if (user.role === 'patient') return ownPatientId(user) === patientId;
  return !user.restrictedToPatients || user.restrictedToPatients.includes(patientId);
}

function ownPatientId(user: UserEntity): string | null {
  return user.fhirUser.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : null;
}

function compact(context: LaunchContext): LaunchContext {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)) as LaunchContext;
}
