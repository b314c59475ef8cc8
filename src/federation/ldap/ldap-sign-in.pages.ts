import { Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { BrowserSessionService } from '../../authorize/browser-session.service';
import { sendPage } from '../../common/html/html-reply';
import { IdentityProviderEntity } from '../identity-provider.entity';

export interface LdapFormState {
  authorizationRequest: string | null;
  returnTo: string | null;
  error?: string;
  username?: string;
  status?: number;
}

/** The username/password page of an LDAP provider: the local sign-in form's look and field names. */
@Injectable()
export class LdapSignInPages {
  constructor(private readonly sessions: BrowserSessionService) {}

  form(provider: IdentityProviderEntity, request: FastifyRequest, reply: FastifyReply, state: LdapFormState): void {
    sendPage(
      reply,
      'ldap-login',
      `Sign in with ${provider.displayName}`,
      {
        providerId: provider.id,
        providerName: provider.displayName,
        csrfToken: this.sessions.anonymousCsrfToken(request, reply),
        authorizationRequest: state.authorizationRequest,
        returnTo: state.returnTo,
        error: state.error,
        username: state.username,
      },
      state.status ?? 200,
    );
  }
}
