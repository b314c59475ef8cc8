import { Injectable } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config';
import { AuthorizationRequest } from './authorization-request';
import { FlowStep } from './authorization-flow.service';
import { AuthorizingUser } from './authorizing-user';
import { sendPage } from '../common/html/html-reply';
import { SignInOptions } from './sign-in-options';

/** Renders each step of the flow; the field names are the documented automation contract (docs/authorize.md). */
@Injectable()
export class AuthorizePages {
  constructor(
    private readonly config: AppConfig,
    private readonly signInOptions: SignInOptions,
  ) {}

  /** Whether the username/password form of local accounts is offered (LOCAL_SIGN_IN). */
  get localSignIn(): boolean {
    return this.config.localSignIn;
  }

  async login(
    reply: FastifyReply,
    request: AuthorizationRequest | null,
    csrfToken: string,
    extra: { error?: string; username?: string; returnTo?: string; status?: number; authorizationRequest?: string } = {},
  ): Promise<void> {
    const identityProviders = await this.signInOptions.list();
    sendPage(
      reply,
      'login',
      'Sign in',
      {
        csrfToken,
        clientName: request?.client.name,
        authorizationRequest: request ? serialize(request) : extra.authorizationRequest,
        returnTo: extra.returnTo,
        error: extra.error,
        username: extra.username,
        // The "Sign in with a passkey" button (public/passkeys.js shows it where the browser has WebAuthn).
        passkeys: this.config.webauthnRelyingParty !== null,
        forgotPasswordUrl: this.config.passwordResetByEmail
          ? forgotPasswordUrl(extra.returnTo, request ? serialize(request) : extra.authorizationRequest)
          : undefined,
        localSignIn: this.config.localSignIn,
        identityProviders,
        noSignIn: !this.config.localSignIn && identityProviders.length === 0,
      },
      extra.status ?? 200,
    );
  }

  step(
    reply: FastifyReply,
    request: AuthorizationRequest,
    signedIn: Pick<AuthorizingUser, 'user' | 'csrfToken'>,
    step: Exclude<FlowStep, { kind: 'redirect' }>,
  ): void {
    const common = { csrfToken: signedIn.csrfToken, authorizationRequest: serialize(request), clientName: request.client.name };
    switch (step.kind) {
      case 'patient-picker':
        sendPage(reply, 'patient-picker', 'Choose a patient', {
          ...common,
          patients: step.patients,
          search: step.search,
          error: step.error,
        });
        return;
      case 'encounter-picker':
        sendPage(reply, 'encounter-picker', 'Choose an encounter', {
          ...common,
          patient: step.patient,
          encounters: step.encounters,
          error: step.error,
        });
        return;
      case 'consent':
        sendPage(reply, 'consent', `Allow ${request.client.name}?`, {
          ...common,
          userName: signedIn.user.displayName,
          patient: step.patient,
          encounter: step.encounter,
          items: step.items,
          offline: request.scopes.some((scope) => scope.kind === 'offline_access'),
          unverified: !request.client.verified,
          redirectHost: URL.canParse(request.redirectUri) ? new URL(request.redirectUri).host : request.redirectUri,
          resourceServer: request.resourceServer,
        });
        return;
    }
  }
}

/** "Forgot password?" comes back to where the sign-in was going: the return_to path, or the authorization request. */
function forgotPasswordUrl(returnTo: string | undefined, authorizationRequest: string | undefined): string {
  const back = returnTo ?? (authorizationRequest ? `/authorize?${authorizationRequest}` : undefined);
  return back && back.length <= 2000 ? `/password-reset?return_to=${encodeURIComponent(back)}` : '/password-reset';
}

/** The original /authorize parameters, carried by every form and validated again on each submission. */
export function serialize(request: AuthorizationRequest): string {
  return new URLSearchParams(request.parameters).toString();
}

/** What serialize() writes: URL-encoded, printable ASCII only (so it can go into a Location header as is). */
export function isSerializedRequest(value: string): boolean {
  return value.length <= 20_000 && /^[\x21-\x7e]*$/.test(value);
}

export function deserialize(value: unknown): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  if (typeof value !== 'string' || value.length > 20_000) return parameters;
  for (const [name, item] of new URLSearchParams(value)) {
    const existing = parameters[name];
    parameters[name] = existing === undefined ? item : [...(Array.isArray(existing) ? existing : [existing]), item];
  }
  return parameters;
}
