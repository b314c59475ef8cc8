import { DynamicModule, Module, OnModuleInit, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { PassportModule } from '@nestjs/passport';
import { AccessTokensModule } from '../access-tokens';
import { AppConfig } from '../config/app-config';
import { ClientAssertionJtiRepository } from '../clients/authentication/client-assertion-jti.repository';
import { DpopProofVerifier, MemoryDpopReplayStore } from '../dpop/dpop-proof.verifier';
import { AccessTokenStrategy, SMART_BEARER } from './access-token.strategy';
import { registerBearerBeforeBody } from './bearer-before-body.hook';
import { DPOP_PROOF_VERIFIER } from './dpop-sender-constraint';
import { FhirAccessPolicy } from './fhir-access.policy';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { FhirScopeGuard } from './fhir-scope.guard';
import { OperationOutcomeFilter } from './operation-outcome.filter';
import { ClientsModule } from '../clients/clients.module';

const SHARED_PROVIDERS: Provider[] = [
  FhirAccessPolicy,
  FhirScopeGuard,
  { provide: APP_GUARD, useExisting: FhirScopeGuard },
  // The passport strategy verifying tokens with the AccessTokenVerifier of the imported AccessTokensModule.
  AccessTokenStrategy,
  { provide: SMART_BEARER, useExisting: AccessTokenStrategy },
];
const EXPORTS = [FHIR_AUTH_OPTIONS, FhirAccessPolicy, FhirScopeGuard];

/**
 * The SMART scope guard as a module. This server uses `forThisServer()` (its own keys and revocation list);
 * another NestJS resource server uses `forRoot({ issuer, audience, jwksUri })` or `forRoot({ …, introspection })`.
 */
@Module({})
export class FhirAuthModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: FhirScopeGuard,
  ) {}

  // Fastify only (and none in a bare application context): refuse unauthenticated requests before the body.
  onModuleInit(): void {
    const instance: unknown = this.adapterHost.httpAdapter?.getInstance();
    if (
      typeof (instance as FastifyInstance | undefined)?.addHook === 'function' &&
      typeof (instance as FastifyInstance).hasContentTypeParser === 'function'
    ) {
      registerBearerBeforeBody(instance as FastifyInstance, this.guard);
    }
  }

  static forThisServer(): DynamicModule {
    return {
      module: FhirAuthModule,
      // This server's keys and revocation list (the process's one verifier, shared with /introspect and /userinfo).
      imports: [ClientsModule, PassportModule, AccessTokensModule.forThisServer()],
      providers: [
        ...SHARED_PROVIDERS,
        {
          provide: FHIR_AUTH_OPTIONS,
          inject: [AppConfig],
          useFactory: (config: AppConfig): FhirAuthOptions => ({ issuer: config.issuer, audience: config.fhirBaseUrl }),
        },
        // DPoP proofs are recorded in the database every process of this server shares (as at /token).
        {
          provide: DPOP_PROOF_VERIFIER,
          inject: [ClientAssertionJtiRepository],
          useFactory: (seen: ClientAssertionJtiRepository) => new DpopProofVerifier(seen),
        },
      ],
      exports: EXPORTS,
    };
  }

  static forRoot(options: FhirAuthOptions): DynamicModule {
    requireAudience(options);
    if (!options.jwksUri && !options.introspection) throw new Error('FhirAuthModule.forRoot needs jwksUri or introspection');
    return {
      module: FhirAuthModule,
      // A remote JWKS, or introspection (which answers `active: false` for revoked tokens).
      imports: [PassportModule, AccessTokensModule.forRemote(options)],
      providers: [
        ...SHARED_PROVIDERS,
        { provide: APP_FILTER, useClass: OperationOutcomeFilter },
        { provide: FHIR_AUTH_OPTIONS, useValue: options },
        // Another resource server has no database of ours: proofs are remembered per process (bounded).
        { provide: DPOP_PROOF_VERIFIER, useFactory: () => new DpopProofVerifier(new MemoryDpopReplayStore()) },
      ],
      exports: EXPORTS,
    };
  }
}

// RFC 8707, RFC 9068 §4: each resource server accepts only tokens minted for its own audience. An empty audience would make
// the JWT verifier skip the check, so it is refused at startup instead.
function requireAudience(options: FhirAuthOptions): void {
  if (typeof options.audience !== 'string' || options.audience.trim() === '')
    throw new Error('FhirAuthModule.forRoot needs the audience of this resource server');
}
