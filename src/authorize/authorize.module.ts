import { forwardRef, Module, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { AuthorizationCodeService } from './authorization-code.service';
import { AuthorizationHousekeepingService } from './authorization-housekeeping.service';
import { AuthorizationFlowService } from './authorization-flow.service';
import { AuthorizationRequestValidator } from './authorization-request.validator';
import { AuthorizeController } from './authorize.controller';
import { AuthorizePages } from './authorize-pages';
import { BrowserSessionService } from './browser-session.service';
import { ConnectedAppsController } from './connected-apps.controller';
import { DemoController } from './demo.controller';
import { EhrLaunchService } from './ehr-launch.service';
import { FhirStorePatientDirectory } from './fhir-store.patient-directory';
import { IdTokenHintVerifier } from './id-token-hint.verifier';
import { KeysModule } from '../keys/keys.module';
import { ResourceServersModule } from '../resource-servers/resource-servers.module';
import { LaunchController } from './launch.controller';
import { MfaModule } from '../mfa';
import { LaunchRecordService } from './launch-record.service';
import { LoginController } from './login.controller';
import { LoginSessionService } from './login-session.service';
import { LoginThrottleService } from './login-throttle.service';
import { PATIENT_DIRECTORY } from './patient-directory';
import { SignInOptions } from './sign-in-options';
import { SmartStyleController } from './smart-style.controller';
import { SmartStyleService } from './smart-style.service';
import { UpstreamPatientDirectory } from './upstream.patient-directory';
import { ClientsModule } from '../clients/clients.module';
import { DiscoveryModule } from '../discovery/discovery.module';
import { GrantsModule } from '../grants/grants.module';
import { AuditModule } from '../audit/audit.module';
import { FhirModule } from '../fhir/fhir.module';
import { PatientPickerRepository } from '../fhir/store/patient-picker.repository';
import { ROUTES } from '../common/http/routes';

// SMART App Launch: capabilities this module implements.
const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  // The IG's conformance page names these two; FHIR R4's smart-capabilities value set and many client
  // libraries look for the context-passthrough-* spelling of the same feature, so both are advertised.
  'context-banner',
  'context-style',
  'context-passthrough-banner',
  'context-passthrough-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'permission-offline',
  'permission-online',
];

const SCOPES_SUPPORTED = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  'patient/*.rs',
  'patient/*.cruds',
  'user/*.rs',
  'user/*.cruds',
  'patient/*.read',
  'user/*.read',
];

@Module({
  imports: [
    ClientsModule,
    DiscoveryModule,
    GrantsModule,
    AuditModule,
    KeysModule,
    ResourceServersModule,
    FhirModule,
    forwardRef(() => MfaModule),
  ],
  controllers: [AuthorizeController, LoginController, LaunchController, SmartStyleController, ConnectedAppsController, DemoController],
  providers: [
    AuthorizationCodeService,
    AuthorizationFlowService,
    AuthorizationHousekeepingService,
    AuthorizationRequestValidator,
    AuthorizePages,
    BrowserSessionService,
    Clock,
    EhrLaunchService,
    IdTokenHintVerifier,
    LaunchRecordService,
    LoginSessionService,
    LoginThrottleService,
    SmartStyleService,
    SignInOptions,
    {
      provide: PATIENT_DIRECTORY,
      useFactory: (config: AppConfig, store: PatientPickerRepository) =>
        config.fhirUpstreamUrl ? new UpstreamPatientDirectory() : new FhirStorePatientDirectory(store),
      inject: [AppConfig, PatientPickerRepository],
    },
  ],
  // BrowserSessionService, LoginThrottleService and AuthorizePages: for the second step of a sign-in (src/mfa) and other sign-in methods.
  exports: [
    AuthorizationCodeService,
    LoginSessionService,
    LaunchRecordService,
    SmartStyleService,
    PATIENT_DIRECTORY,
    BrowserSessionService,
    LoginThrottleService,
    AuthorizePages,
    SignInOptions,
  ],
})
export class AuthorizeModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('authorize', {
      endpoints: { authorization_endpoint: ROUTES.authorize, management_endpoint: ROUTES.connectedApps },
      responseTypes: ['code'],
      capabilities: CAPABILITIES,
      scopesSupported: SCOPES_SUPPORTED,
      // RFC 9207: every authorization response carries iss.
      flags: { authorization_response_iss_parameter_supported: true },
    });
  }
}
