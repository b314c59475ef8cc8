import { Inject, Injectable } from '@nestjs/common';
import { Interaction, isResourceScope, permittingScopes, requiredScopeFor, ScopeContext } from '../scopes';
import { ANY_TYPE } from './fhir-access.decorator';
import { AccessRule, accessRulesFor } from './access-rules';
import { FHIR_AUTH_OPTIONS, FhirAuthOptions } from './fhir-auth.options';
import { insufficientScopeError, OperationOutcomeError } from './operation-outcome.error';
import { SmartContext } from './smart-context';

/**
 * Scope decisions for handlers: type-level checks (SMART App Launch 2.2 §Scopes for requesting FHIR Resources) and the
 * per-resource rules (compartments, granular constraints).
 */
@Injectable()
export class FhirAccessPolicy {
  private readonly realm: string;

  constructor(@Inject(FHIR_AUTH_OPTIONS) options: FhirAuthOptions) {
    this.realm = options.realm ?? options.audience;
  }

  isPermitted(context: SmartContext, resourceType: string, interaction: Interaction, contexts?: readonly ScopeContext[]): boolean {
    if (resourceType === ANY_TYPE) {
      return context.scopes.some(
        (scope) => isResourceScope(scope) && scope.interactions.has(interaction) && (!contexts || contexts.includes(scope.context)),
      );
    }
    return permittingScopes(context.scopes, resourceType, interaction, contexts).length > 0;
  }

  assertPermitted(context: SmartContext, resourceType: string, interaction: Interaction, contexts?: readonly ScopeContext[]): void {
    if (!this.isPermitted(context, resourceType, interaction, contexts))
      throw this.insufficientScope(context, resourceType, interaction, contexts);
  }

  rules(context: SmartContext, resourceType: string, interaction: Interaction): AccessRule[] {
    return accessRulesFor(context, resourceType, interaction);
  }

  /** 403 naming a scope that would do (RFC 6750 §3.1). */
  insufficientScope(
    context: SmartContext,
    resourceType: string,
    interaction: Interaction,
    contexts?: readonly ScopeContext[],
  ): OperationOutcomeError {
    const scopeContext = contexts?.[0] ?? (context.patient ? 'patient' : context.userRole ? 'user' : 'system');
    return insufficientScopeError(this.realm, requiredScopeFor(resourceType === ANY_TYPE ? '*' : resourceType, interaction, scopeContext));
  }

  /** A resource the token may not touch: 403 with the scope that would cover it. */
  forbiddenResource(context: SmartContext, resourceType: string, interaction: Interaction): OperationOutcomeError {
    const error = this.insufficientScope(context, resourceType, interaction);
    return new OperationOutcomeError(
      403,
      'forbidden',
      `The access token does not cover this ${resourceType} (compartment or granular scope)`,
      error.headers,
    );
  }
}
