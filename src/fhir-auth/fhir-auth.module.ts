import { DynamicModule, Module, OnModuleInit, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { TokenHolderService } from '../clients/token-holder.service';
import { KeysModule } from '../keys/keys.module';
import { KeysService } from '../keys/keys.service';
import { RevocationService } from '../revocation/revocation.service';
import { registerBearerBeforeBody } from './bearer-before-body.hook';
import { FhirAccessPolicy } from './fhir-access.policy';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions, IntrospectionOptions } from './fhir-auth.options';
import { FhirScopeGuard } from './fhir-scope.guard';
import { ClientAssertionJtiRepository } from '../clients/authentication/client-assertion-jti.repository';
import { DpopProofVerifier, MemoryDpopReplayStore } from '../dpop/dpop-proof.verifier';
import { DPOP_PROOF_VERIFIER } from './dpop-sender-constraint';
import { IntrospectionStrategy } from './introspection.strategy';
import { JwksKeySource } from './jwks-key.source';
import { OperationOutcomeFilter } from './operation-outcome.filter';
import { SIGNING_KEY_SOURCE, SigningKeySource, TOKEN_REVOCATION_CHECK, TokenRevocationCheck } from './signing-key.source';
import { SMART_BEARER, SmartJwtStrategy } from './smart-jwt.strategy';
import { RevocationModule } from '../revocation/revocation.module';
import { ClientsModule } from '../clients/clients.module';

const SHARED_PROVIDERS: Provider[] = [FhirAccessPolicy, FhirScopeGuard, { provide: APP_GUARD, useExisting: FhirScopeGuard }];
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
    if (typeof (instance as FastifyInstance | undefined)?.addHook === 'function' && typeof (instance as FastifyInstance).hasContentTypeParser === 'function') {
      registerBearerBeforeBody(instance as FastifyInstance, this.guard);
    }
  }

  static forThisServer(): DynamicModule {
    return {
      module: FhirAuthModule,
      imports: [ClientsModule, RevocationModule, PassportModule, KeysModule],
      providers: [
        ...SHARED_PROVIDERS,
        { provide: FHIR_AUTH_OPTIONS, inject: [AppConfig], useFactory: (config: AppConfig): FhirAuthOptions => ({ issuer: config.issuer, audience: config.fhirBaseUrl }) },
        { provide: SIGNING_KEY_SOURCE, inject: [KeysService], useFactory: (keys: KeysService): SigningKeySource => ({ publicKey: (kid) => keys.publicKeyObject(kid) }) },
        {
          provide: TOKEN_REVOCATION_CHECK,
          inject: [RevocationService, TokenHolderService],
          // Revoked, or issued to a client or user that has been disabled since (access ends when it is withdrawn).
          useFactory: (revocation: RevocationService, holders: TokenHolderService): TokenRevocationCheck => ({
            isRevoked: async (jti, grantId, holder) => (await revocation.isRevoked(jti, grantId, holder?.clientId)) || (holder !== undefined && !(await holders.isActive(holder))),
          }),
        },
        SmartJwtStrategy,
        { provide: SMART_BEARER, useExisting: SmartJwtStrategy },
        // DPoP proofs are recorded in the database every process of this server shares (as at /token).
        { provide: DPOP_PROOF_VERIFIER, inject: [ClientAssertionJtiRepository], useFactory: (seen: ClientAssertionJtiRepository) => new DpopProofVerifier(seen) },
      ],
      exports: EXPORTS,
    };
  }

  static forRoot(options: FhirAuthOptions): DynamicModule {
    requireAudience(options);
    const notRevoked: TokenRevocationCheck = { isRevoked: async () => false };
    const verification: Provider[] = options.introspection
      ? // Introspection answers `active: false` for revoked tokens, so no separate revocation check.
        [{ provide: SMART_BEARER, useFactory: () => new IntrospectionStrategy(options, options.introspection as IntrospectionOptions) }]
      : [{ provide: SIGNING_KEY_SOURCE, useValue: new JwksKeySource(requireJwksUri(options)) }, SmartJwtStrategy, { provide: SMART_BEARER, useExisting: SmartJwtStrategy }];
    return {
      module: FhirAuthModule,
      imports: [PassportModule],
      providers: [
        ...SHARED_PROVIDERS,
        { provide: APP_FILTER, useClass: OperationOutcomeFilter },
        { provide: FHIR_AUTH_OPTIONS, useValue: options }, { provide: TOKEN_REVOCATION_CHECK, useValue: notRevoked }, ...verification,
        // Another resource server has no database of ours: proofs are remembered per process (bounded).
        { provide: DPOP_PROOF_VERIFIER, useFactory: () => new DpopProofVerifier(new MemoryDpopReplayStore()) }],
      exports: EXPORTS,
    };
  }
}

// RFC 8707, RFC 9068 §4: each resource server accepts only tokens minted for its own audience. An empty audience would make
// the JWT verifier skip the check, so it is refused at startup instead.
function requireAudience(options: FhirAuthOptions): void {
  if (typeof options.audience !== 'string' || options.audience.trim() === '') throw new Error('FhirAuthModule.forRoot needs the audience of this resource server');
}

function requireJwksUri(options: FhirAuthOptions): string {
  if (!options.jwksUri) throw new Error('FhirAuthModule.forRoot needs jwksUri or introspection');
  return options.jwksUri;
}
