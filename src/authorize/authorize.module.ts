import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
import { LaunchContextService } from './launch-context.service';
import { LoginController } from './login.controller';
import { LoginSessionService } from './login-session.service';
import { LoginThrottleService } from './login-throttle.service';
import { PATIENT_DIRECTORY } from './patient-directory';
import { SignInOptions } from './sign-in-options';
import { SmartStyleController } from './smart-style.controller';
import { SmartStyleService } from './smart-style.service';
import { UpstreamPatientDirectory } from './upstream.patient-directory';

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

@Global()
@Module({
  imports: [KeysModule, ResourceServersModule],
  controllers: [AuthorizeController, LoginController, LaunchController, SmartStyleController, ConnectedAppsController, DemoController],
  providers: [
    AuthorizationCodeService,
    AuthorizationFlowService,
    AuthorizationHousekeepingService,
    AuthorizationRequestValidator,
    AuthorizePages,
    BrowserSessionService,
    EhrLaunchService,
    IdTokenHintVerifier,
    LaunchContextService,
    LoginSessionService,
    LoginThrottleService,
    SmartStyleService,
    SignInOptions,
    {
      provide: PATIENT_DIRECTORY,
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        config.fhirUpstreamUrl ? new UpstreamPatientDirectory() : new FhirStorePatientDirectory(dataSource),
      inject: [AppConfig, DataSource],
    },
  ],
  exports: [AuthorizationCodeService, LoginSessionService, LaunchContextService, SmartStyleService, PATIENT_DIRECTORY, BrowserSessionService, LoginThrottleService, SignInOptions],
})
export class AuthorizeModule implements OnModuleInit {
  constructor(private readonly registry: DiscoveryRegistry) {}

  onModuleInit(): void {
    this.registry.contribute('authorize', {
      endpoints: { authorization_endpoint: '/authorize', management_endpoint: '/apps' },
      responseTypes: ['code'],
      capabilities: CAPABILITIES,
      scopesSupported: SCOPES_SUPPORTED,
      // RFC 9207: every authorization response carries iss.
      flags: { authorization_response_iss_parameter_supported: true },
    });
  }
}
