import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport, { Strategy } from 'passport';
import { FhirAccessPolicy } from './fhir-access.policy';
import { FHIR_ACCESS_KEY, FhirAccessRequirement, FROM_ROUTE, PUBLIC_FHIR_ROUTE_KEY } from './fhir-access.decorator';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { accessTokenOf, assertSenderConstraint, DPOP_PROOF_VERIFIER } from './dpop-sender-constraint';
import { invalidTokenError, missingTokenError, OperationOutcomeError } from './operation-outcome.error';
import { SMART_BEARER, UnacceptableTokenError } from './access-token.strategy';
import { isResourceType } from './r4-resource-types';
import { SMART_CONTEXT_PROPERTY, SmartContext } from './smart-context';

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
  [VERIFIED]?: { token: string; smart: SmartContext };
}

// SMART Q8: the CapabilityStatement and the SMART configuration are read without a token (their
// controller lives in the discovery module, so the paths are listed here rather than decorated).
const PUBLIC_PATHS = [/^\/metadata\/?(\?|$)/, /^\/\.well-known\//];

/**
 * Global guard. Under the FHIR base it denies by default: a route must declare @RequiresFhirAccess
 * (or be public). It authenticates the access token through its passport strategy (AccessTokenStrategy: the
 * AccessTokenVerifier, which also refuses revoked tokens), checks DPoP binding and the scope (SMART Q1–Q4).
 */
@Injectable()
export class FhirScopeGuard implements CanActivate {
  private readonly basePath: string;
  private readonly realm: string;
  private readonly resourceBaseUrl: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly policy: FhirAccessPolicy,
    @Inject(FHIR_AUTH_OPTIONS) options: FhirAuthOptions,
    // The strategy instance itself, not a name in passport's process-wide registry: two servers in one
    // process (gateway tests) each keep their own issuer and audience.
    @Inject(SMART_BEARER) private readonly strategy: Strategy,
    @Inject(DPOP_PROOF_VERIFIER) private readonly dpop: DpopProofVerifier,
  ) {
    this.basePath = (options.basePath ?? '/fhir').replace(/\/+$/, '');
    this.realm = options.realm ?? options.audience;
    this.resourceBaseUrl = options.publicBaseUrl ?? options.audience;
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
   * The onRequest hook's check (issue 11.10), before the body is read: under the FHIR base and outside the public
   * paths, the same verification canActivate runs (and then reuses for this request); a failure throws the same 401.
   */
  async verifyBeforeBody(request: Pick<GuardedRequest, 'url' | 'headers'>, reply: unknown, path = request.url): Promise<void> {
    const below = this.pathBelowBase(path);
    if (below === undefined || PUBLIC_PATHS.some((pattern) => pattern.test(below))) return;
    await this.verifiedContext(request as GuardedRequest, reply);
  }

  private async verifiedContext(request: GuardedRequest, reply: unknown): Promise<SmartContext> {
    const token = accessTokenOf(request.headers.authorization)?.token;
    const earlier = request[VERIFIED];
    let smart = earlier && earlier.token === token ? earlier.smart : undefined;
    if (!smart) {
      smart = await this.authenticate(request, reply);
      if (token) request[VERIFIED] = { token, smart };
    }
    // RFC 9449 §7: beside the token's verification, the proof of possession for a DPoP-bound token.
    await assertSenderConstraint(this.dpop, request, smart, { realm: this.realm, resourceBaseUrl: this.resourceBaseUrl, basePath: this.basePath });
    return smart;
  }

  private authenticate(request: GuardedRequest, reply: unknown): Promise<SmartContext> {
    // RFC 6750 §3.1: no credentials at all is not an invalid token; the challenge then carries no error code.
    if (!request.headers.authorization) return Promise.reject(missingTokenError(this.realm));
    return new Promise((resolve, reject) => {
      // passport assigns success/fail/error on the strategy object it is given: a fresh one per request, or
      // concurrent verifications would answer each other's requests.
      const middleware = passport.authenticate(Object.create(this.strategy) as Strategy, { session: false }, (error: unknown, user: unknown) => {
        // A token that is not honoured is 401; anything else (the database unreachable) is the server's error.
        if (error && !(error instanceof UnacceptableTokenError)) reject(error);
        else if (error || !user) reject(invalidTokenError(this.realm, describeFailure(error)));
        else resolve(user as SmartContext);
      }) as (request: unknown, reply: unknown, next: (error?: unknown) => void) => void;
      middleware(request, reply, (error) => reject(error ?? invalidTokenError(this.realm, describeFailure(undefined))));
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
