import { CanActivate, ExecutionContext, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport, { Strategy } from 'passport';
import { FhirAccessPolicy } from './fhir-access.policy';
import { FHIR_ACCESS_KEY, FhirAccessRequirement, FROM_ROUTE, PUBLIC_FHIR_ROUTE_KEY } from './fhir-access.decorator';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { accessTokenOf, assertSenderConstraint, DPOP_PROOF_VERIFIER, PresentedToken } from './dpop-sender-constraint';
import { invalidTokenError, missingTokenError, OperationOutcomeError } from './operation-outcome.error';
import { SMART_BEARER, SMART_BEARER_STRATEGY, UnacceptableTokenError } from './access-token.strategy';
import { isResourceType } from './r4-resource-types';
import { SMART_CONTEXT_PROPERTY, SmartContext } from './smart-context';

let guards = 0;

// The context the onRequest hook verified, so the guard (same request, after the body) does not verify twice.
const VERIFIED = Symbol('verifiedAccessToken');

interface GuardedRequest {
  method?: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string | undefined>;
  /** Fastify: the route the router matched (its path is decoded: `/%66hir/x` matches `/fhir/x`). */
  routeOptions?: { url?: string };
  user?: unknown;
  [SMART_CONTEXT_PROPERTY]?: SmartContext;
  [VERIFIED]?: { authorization: unknown; presented: PresentedToken | undefined; smart: SmartContext };
}

// SMART App Launch 2.2 §Retrieve .well-known/smart-configuration: the CapabilityStatement and the SMART configuration
// are read without a token (their controller lives in the discovery module, so the paths are listed here rather than
// decorated).
const PUBLIC_PATHS = [/^\/metadata\/?(\?|$)/, /^\/\.well-known\//];

/**
 * Global guard. Under the FHIR base it denies by default: a route must declare @RequiresFhirAccess
 * (or be public). It authenticates the access token through its passport strategy (AccessTokenStrategy: the
 * AccessTokenVerifier, which also refuses revoked tokens), checks DPoP binding and the scope (SMART App Launch
 * 2.2 §Access FHIR API).
 */
@Injectable()
export class FhirScopeGuard implements CanActivate, OnModuleDestroy {
  private readonly basePath: string;
  private readonly realm: string;
  // RFC 9449 §4.3: what a DPoP proof's htu is checked against (the public FHIR base, never the Host header).
  private readonly proofOptions: { realm: string; resourceBaseUrl: string; basePath: string };
  private readonly strategyName: string;
  private readonly passportMiddleware: (request: unknown, reply: unknown, next: (error?: unknown) => void) => void;

  constructor(
    private readonly reflector: Reflector,
    private readonly policy: FhirAccessPolicy,
    @Inject(FHIR_AUTH_OPTIONS) options: FhirAuthOptions,
    // This module's strategy instance (its verifier, issuer and audience), not the name @nestjs/passport registers
    // it under: two servers in one process (gateway tests) each keep their own.
    @Inject(SMART_BEARER) strategy: Strategy,
    @Inject(DPOP_PROOF_VERIFIER) private readonly dpop: DpopProofVerifier,
  ) {
    this.basePath = (options.basePath ?? '/fhir').replace(/\/+$/, '');
    this.realm = options.realm ?? options.audience;
    this.proofOptions = { realm: this.realm, resourceBaseUrl: options.publicBaseUrl ?? options.audience, basePath: this.basePath };
    // passport derives a fresh object from a strategy registered by name for every request, so concurrent
    // verifications never share callbacks; the name is this guard's own.
    this.strategyName = `${SMART_BEARER_STRATEGY}-${++guards}`;
    passport.use(this.strategyName, strategy);
    this.passportMiddleware = passport.authenticate(this.strategyName, {
      session: false,
      assignProperty: 'smart',
      authInfo: false,
    }) as typeof this.passportMiddleware;
  }

  onModuleDestroy(): void {
    passport.unuse(this.strategyName);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const requirement = this.reflector.getAllAndOverride<FhirAccessRequirement | undefined>(FHIR_ACCESS_KEY, targets);
    if (!requirement) {
      const below = this.pathBelowBase(request.routeOptions?.url ?? request.url);
      if (below === undefined) return true;
      if (this.reflector.getAllAndOverride<boolean>(PUBLIC_FHIR_ROUTE_KEY, targets)) return true;
      if (PUBLIC_PATHS.some((pattern) => pattern.test(below))) return true;
    }
    const smart = await this.verifiedContext(request, context.switchToHttp().getResponse());
    request[SMART_CONTEXT_PROPERTY] = smart;
    if (!requirement) throw new OperationOutcomeError(403, 'forbidden', 'This FHIR route declares no access requirement and is refused');
    this.checkRequirement(requirement, request, smart);
    return true;
  }

  /**
   * The onRequest hook's check, before the body is read (no anonymous body parsing): under the FHIR base and outside the public
   * paths, the same verification canActivate runs (and then reuses for this request); a failure throws the same 401.
   */
  async verifyBeforeBody(request: Pick<GuardedRequest, 'url' | 'headers'>, reply: unknown, path = request.url): Promise<void> {
    const below = this.pathBelowBase(path);
    if (below === undefined || PUBLIC_PATHS.some((pattern) => pattern.test(below))) return;
    await this.verifiedContext(request as GuardedRequest, reply);
  }

  private async verifiedContext(request: GuardedRequest, reply: unknown): Promise<SmartContext> {
    const authorization = request.headers.authorization;
    let verified = request[VERIFIED];
    if (!verified || verified.authorization !== authorization) {
      const smart = await this.authenticate(request, reply);
      verified = { authorization, presented: accessTokenOf(authorization), smart };
      request[VERIFIED] = verified;
    }
    // RFC 9449 §7: beside the token's verification, the proof of possession for a DPoP-bound token.
    await assertSenderConstraint(this.dpop, request, verified.smart, this.proofOptions, verified.presented);
    return verified.smart;
  }

  private authenticate(request: GuardedRequest, reply: unknown): Promise<SmartContext> {
    // RFC 6750 §3.1: no credentials at all is not an invalid token; the challenge then carries no error code.
    if (!request.headers.authorization) return Promise.reject(missingTokenError(this.realm));
    // The strategy reads only the headers; passport's per-request properties (login, logout, the user) go on this
    // object rather than on Fastify's request, whose shape every later handler shares.
    const attempt: { headers: GuardedRequest['headers']; smart?: SmartContext } = { headers: request.headers };
    return new Promise((resolve, reject) => {
      this.passportMiddleware(attempt, reply, (error?: unknown) => {
        // A token that is not honoured is 401; anything else (the database unreachable) is the server's error.
        if (error instanceof UnacceptableTokenError || (!error && !attempt.smart))
          reject(invalidTokenError(this.realm, describeFailure(error)));
        else if (error) reject(error);
        else resolve(attempt.smart as SmartContext);
      });
    });
  }

  private checkRequirement(requirement: FhirAccessRequirement, request: GuardedRequest, smart: SmartContext): void {
    let resourceType = requirement.resourceType;
    if (resourceType === FROM_ROUTE) {
      resourceType = request.params?.type ?? '';
      if (!isResourceType(resourceType)) throw new OperationOutcomeError(404, 'not-supported', 'Unknown resource type');
    }
    if (requirement.interaction === 'per-entry') return;
    this.policy.assertPermitted(smart, resourceType, requirement.interaction, requirement.contexts);
  }

  // The path relative to the FHIR base, or undefined when the request is not under it.
  private pathBelowBase(url: string): string | undefined {
    if (!url.startsWith(this.basePath)) return undefined;
    const rest = url.slice(this.basePath.length);
    return rest === '' || rest.startsWith('/') || rest.startsWith('?') ? rest : undefined;
  }
}

function describeFailure(error: unknown): string {
  const reason = error instanceof UnacceptableTokenError ? error.reason : 'invalid';
  if (reason === 'expired') return 'The access token has expired';
  if (reason === 'revoked') return 'The access token has been revoked';
  if (reason === 'missing') return 'A bearer access token is required';
  return 'The access token is malformed, not signed by this server, or not issued for this FHIR server';
}
