import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { PageError } from '../common/html/page.error';
import { AppConfig } from '../config/app-config';
import { ResourceServersService, TokenTarget } from '../resource-servers/resource-servers.service';
import { withinResourceServer } from '../resource-servers/resource-server-settings';
import { isResourceScope, LaunchScope, narrowScopes, parseScopes, scopeTooLarge, SmartScope } from '../scopes';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizeRedirectError } from './authorize-redirect.error';
import type { LaunchRecordEntity } from './launch-record.entity';
import { LaunchRecordService } from './launch-record.service';
import { isRegisteredRedirectUri } from '../common/oauth/redirect-url';

export type RawParameters = Record<string, unknown>;

const KNOWN = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'aud',
  'resource',
  'code_challenge',
  'code_challenge_method',
  'launch',
  'nonce',
  'prompt',
  'max_age',
  'id_token_hint',
  'acr_values',
];
const MAX_LENGTH = 4096;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

// Checks in the order of RFC 6749 §4.1.2.1 and SMART App Launch: nothing is redirected before the client and
// redirect_uri are trusted; everything after that goes back to the app with the exact state.
@Injectable()
export class AuthorizationRequestValidator {
  constructor(
    private readonly clients: ClientsService,
    private readonly launches: LaunchRecordService,
    private readonly config: AppConfig,
    private readonly resourceServers: ResourceServersService,
  ) {}

  async validate(raw: RawParameters): Promise<AuthorizationRequest> {
    const clientId = raw.client_id;
    if (typeof clientId !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(clientId)) {
      throw new PageError(400, 'Unknown application', 'The request does not name a registered application (client_id).');
    }
    const client = await this.clients.findEnabled(clientId);
    if (!client) throw new PageError(400, 'Unknown application', `No enabled application is registered with client_id "${clientId}".`);
    const redirectUri = raw.redirect_uri;
    if (typeof redirectUri !== 'string' || !isRegisteredRedirectUri(client.redirectUris, redirectUri)) {
      throw new PageError(
        400,
        'Invalid redirect URI',
        `The redirect_uri is missing or is not registered for "${client.name}", so this server will not send you there.`,
      );
    }

    const state = typeof raw.state === 'string' ? raw.state : undefined;
    // RFC 9700 §4.11.2: an unverified app's errors are shown here rather than redirected (no open redirector).
    const fail = (error: string, description: string): AuthorizeRedirectError =>
      new AuthorizeRedirectError(redirectUri, error, description, state, this.config.issuer, !client.verified);

    const parameters: Record<string, string> = {};
    for (const name of KNOWN) {
      const value = raw[name];
      if (value === undefined) continue;
      // RFC 6749 §3.1: parameters must not be repeated. RFC 8707 §2 allows several resources; this server
      // issues a token for one, and says so with invalid_target.
      if (typeof value !== 'string')
        throw fail(name === 'resource' ? 'invalid_target' : 'invalid_request', `The ${name} parameter must appear once.`);
      if (value.length > MAX_LENGTH) throw fail('invalid_request', `The ${name} parameter is too long.`);
      if (value.includes('\u0000')) throw fail('invalid_request', `The ${name} parameter contains a NUL character.`);
      parameters[name] = value;
    }

    if (!parameters.response_type) throw fail('invalid_request', 'response_type is required.');
    if (parameters.response_type !== 'code') throw fail('unsupported_response_type', 'Only response_type=code is supported.');
    if (!state) throw fail('invalid_request', 'state is required.');
    // SMART App Launch 2.2 §Considerations for PKCE Support, RFC 7636 §4.4.1: S256 is required and plain is never accepted.
    if (!parameters.code_challenge) throw fail('invalid_request', 'code_challenge is required (PKCE).');
    if (parameters.code_challenge_method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256.');
    if (!S256_CHALLENGE.test(parameters.code_challenge)) throw fail('invalid_request', 'code_challenge is not a valid S256 challenge.');

    const target = await this.target(parameters, fail);

    const prompt = new Set((parameters.prompt ?? '').split(' ').filter(Boolean));
    if ([...prompt].some((value) => !PROMPTS.has(value)) || (prompt.has('none') && prompt.size > 1)) {
      throw fail('invalid_request', 'prompt must be none, or any of login, consent and select_account.');
    }
    // OIDC Core §3.1.2.1: max_age is a whole number of seconds.
    if (parameters.max_age !== undefined && !/^\d{1,9}$/.test(parameters.max_age))
      throw fail('invalid_request', 'max_age must be a number of seconds.');

    const scopes = this.negotiateScopes(parameters, client.scope, fail);
    // A registered resource server's token carries at most the scopes it serves (RFC 8707 §2).
    const forTarget = withinResourceServer(scopes, target.ceiling);
    if (scopes.some(isResourceScope) && !forTarget.some(isResourceScope))
      throw fail('invalid_scope', 'None of the requested resource scopes is served by that resource server.');
    let launchContext: LaunchRecordEntity | undefined;
    if (parameters.launch !== undefined) {
      launchContext = (await this.launches.findUsable(parameters.launch, client.clientId)) ?? undefined;
      if (!launchContext)
        throw fail('invalid_request', 'The launch value is unknown, expired, already used or issued for another application.');
    }

    return {
      client,
      redirectUri,
      state,
      codeChallenge: parameters.code_challenge,
      aud: target.audience,
      resourceServer: target.ceiling ? target.baseUrl : undefined,
      nonce: parameters.nonce,
      prompt,
      maxAge: parameters.max_age === undefined ? undefined : Number(parameters.max_age),
      idTokenHint: parameters.id_token_hint,
      acrValues: (parameters.acr_values ?? '').split(' ').filter(Boolean),
      scopes: forTarget,
      launch: parameters.launch,
      launchContext,
      parameters,
    };
  }

  // SMART App Launch 2.2 §Obtain authorization code: aud names this server's FHIR endpoint or a registered resource server; RFC 8707
  // `resource` is accepted as a synonym. Anything else is invalid_target (RFC 8707 §2), so no code is issued
  // for a counterfeit resource server.
  private async target(parameters: Record<string, string>, fail: (error: string, description: string) => Error): Promise<TokenTarget> {
    const values = [parameters.aud, parameters.resource].filter((value): value is string => value !== undefined);
    if (values.length === 0)
      throw fail(
        'invalid_request',
        `aud is required: this server's FHIR base URL (${this.config.fhirBaseUrl}) or a registered resource server.`,
      );
    const targets = await Promise.all(values.map((value) => this.resourceServers.resolve(value)));
    const [first] = targets;
    if (!first || targets.some((target) => !target))
      throw fail('invalid_target', `aud must be this server's FHIR base URL (${this.config.fhirBaseUrl}) or a registered resource server.`);
    if (targets.some((target) => target?.audience !== first.audience))
      throw fail('invalid_target', 'aud and resource name different resource servers.');
    return first;
  }

  private negotiateScopes(
    parameters: Record<string, string>,
    clientCeiling: string,
    fail: (error: string, description: string) => Error,
  ): SmartScope[] {
    if (scopeTooLarge(parameters.scope ?? '')) throw fail('invalid_scope', 'The scope parameter holds too many scopes.');
    const { scopes: requested, invalid } = parseScopes(parameters.scope ?? '');
    if (invalid.length) throw fail('invalid_scope', `Malformed scope: ${invalid.join(' ')}`);
    if (requested.length === 0) throw fail('invalid_scope', 'scope is required.');
    const ceiling = parseScopes(clientCeiling).scopes;
    const granted = narrowScopes(requested, ceiling).filter((scope) => {
      // system/ scopes belong to SMART Backend Services, never to a user's authorization.
      if (isResourceScope(scope)) return scope.context !== 'system';
      // Internal scopes (`__introspect`, …) are rights an operator grants a client, never a person's consent.
      if (scope.raw.startsWith('__')) return false;
      // The bare `launch` scope only means something together with a launch parameter (SMART App Launch 2.2 §Apps that
      // launch from the EHR).
      if (scope.kind === 'launch' && !(scope as LaunchScope).launchType) return parameters.launch !== undefined;
      return true;
    });
    if (granted.length === 0) throw fail('invalid_scope', 'None of the requested scopes may be granted to this application.');
    return granted;
  }
}
