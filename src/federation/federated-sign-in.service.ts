import { Injectable, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { deserialize } from '../authorize/authorize-pages';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { seeOther } from '../common/html/html-reply';
import { locationAfterSignIn } from '../authorize/sign-in-continuation';
import { UserEntity, UserRole } from '../clients/user.entity';
import { InvalidUserError, UsernameTakenError, UsersService } from '../clients/users.service';
import { randomToken } from '../common/crypto/random-token';
import { FederatedIdentitiesService, FederatedIdentityTakenError } from './federated-identities.service';
import { FederatedSessionsService } from './federated-sessions.service';
import { FederationFailure } from './federation-failure';
import { IdentityProviderEntity } from './identity-provider.entity';
import { FhirUserResolver, roleFor } from './person-mapping';

/** A person as an identity provider vouched for them, before they are a user here. */
export interface FederatedPerson {
  /** The provider's immutable identifier: OIDC `sub`, LDAP entryUUID / objectGUID. */
  subject: string;
  username: string | null;
  displayName: string | null;
  /** The raw fhirUser claim or attribute: a reference, or an identifier to look up. */
  fhirUser: string | null;
  email: string | null;
  groups: string[];
  /** RFC 8176 amr of the sign-in here (the upstream's when it says, else what this server saw). */
  amr: string[];
}

export interface SignInContext {
  request: FastifyRequest;
  reply: FastifyReply;
  authorizationRequest: string | null;
  returnTo: string | null;
}

/**
 * The common step after any identity provider vouched for a person: find (or, with provisioning `create`, make)
 * the user linked to (provider, subject), bring role, fhirUser and name up to date from upstream, start the
 * sign-in session and resume the pending authorization request.
 */
@Injectable()
export class FederatedSignInService {
  private readonly logger = new Logger(FederatedSignInService.name);

  constructor(
    private readonly users: UsersService,
    private readonly identities: FederatedIdentitiesService,
    private readonly federatedSessions: FederatedSessionsService,
    private readonly sessions: BrowserSessionService,
    private readonly fhirUsers: FhirUserResolver,
    private readonly audit: AuditService,
  ) {}

  async complete(provider: IdentityProviderEntity, person: FederatedPerson, context: SignInContext): Promise<void> {
    const name = provider.displayName;
    const decision = roleFor(provider, person.groups);
    if ('problem' in decision) {
      throw new FederationFailure(
        403,
        decision.problem,
        'Not allowed here',
        `Your account at ${name} is not in a group that may use this service.`,
      );
    }
    const fhirUser = await this.fhirUsers.resolve(provider, person.fhirUser, decision.role);
    if (!fhirUser)
      throw new FederationFailure(
        403,
        'no-fhir-user',
        'Account not set up',
        `Your account at ${name} does not name your health record here. Ask the administrator.`,
      );

    const user = await this.localUser(provider, person, decision.role, fhirUser);
    if (!user.enabled)
      throw new FederationFailure(403, 'user-disabled', 'Account disabled', 'This account is disabled. Ask the administrator.');
    const signedIn = await this.sessions.signIn(context.reply, user, 'federated', person.amr);
    await this.federatedSessions.record(signedIn.session.id, provider.id);
    await this.record(provider, context, 'success', user.id, { subject: person.subject });
    seeOther(context.reply, locationAfterSignIn(context.authorizationRequest, context.returnTo));
  }

  /** Audits a refused federated sign-in (the page itself is the caller's). */
  async recordFailure(
    provider: IdentityProviderEntity | string,
    context: Pick<SignInContext, 'request' | 'authorizationRequest'>,
    reason: string,
    detail?: string,
  ): Promise<void> {
    await this.record(provider, context, 'failure', null, { reason, ...(detail ? { detail: detail.slice(0, 300) } : {}) });
  }

  private async localUser(
    provider: IdentityProviderEntity,
    person: FederatedPerson,
    role: UserRole,
    fhirUser: string,
  ): Promise<UserEntity> {
    const seen = { username: person.username, email: person.email };
    const displayName = person.displayName ?? person.username ?? `${provider.displayName} user`;
    const link = await this.identities.find(provider.id, person.subject);
    if (link) {
      const user = await this.users.findById(link.userId);
      if (!user)
        throw new FederationFailure(
          403,
          'user-missing',
          'Account not set up',
          'The account linked to this sign-in no longer exists. Ask the administrator.',
        );
      await this.identities.signedIn(link, seen);
      if (!user.enabled) return user;
      // Upstream is the source of truth for these three: changes there apply at the next sign-in.
      if (user.role === role && user.fhirUser === fhirUser && user.displayName === displayName) return user;
      try {
        return (
          (await this.users.update(user.id, {
            role,
            fhirUser,
            displayName,
            ...(role === 'patient' ? { restrictedToPatients: null } : {}),
          })) ?? user
        );
      } catch (error) {
        if (error instanceof InvalidUserError)
          throw new FederationFailure(
            403,
            'inconsistent-user',
            'Account not set up',
            `Your account at ${provider.displayName} does not fit the account here. Ask the administrator.`,
          );
        throw error;
      }
    }
    if (provider.provisioning !== 'create') {
      throw new FederationFailure(
        403,
        'not-linked',
        'Account not set up',
        `Your account at ${provider.displayName} is not set up for this service. Ask the administrator to link it.`,
      );
    }
    const created = await this.createUser(provider, person, role, fhirUser, displayName);
    try {
      await this.identities.link(provider.id, person.subject, created.id, seen);
      return created;
    } catch (error) {
      if (!(error instanceof FederatedIdentityTakenError)) throw error;
      // A concurrent first sign-in of the same person linked first: use that user, retire this one.
      await this.users.disable(created.id);
      const winner = await this.identities.find(provider.id, person.subject);
      const user = winner && (await this.users.findById(winner.userId));
      if (!user) throw error;
      return user;
    }
  }

  // The local username is only a label (these users have no password): "<upstream username>@<provider>".
  private async createUser(
    provider: IdentityProviderEntity,
    person: FederatedPerson,
    role: UserRole,
    fhirUser: string,
    displayName: string,
  ): Promise<UserEntity> {
    const base = (person.username ?? '').replace(/[^A-Za-z0-9._-]/g, '').slice(0, 60) || `user-${randomToken(6)}`;
    for (const candidate of [`${base}@${provider.id}`, `${base}-${randomToken(4)}@${provider.id}`]) {
      try {
        return await this.users.create({ username: candidate, password: null, displayName, fhirUser, role });
      } catch (error) {
        if (!(error instanceof UsernameTakenError)) throw error;
      }
    }
    this.logger.warn(`Could not find a free username for a person of ${provider.id}`);
    throw new FederationFailure(503, 'username-taken', 'Try again', 'The account could not be created right now. Please try again.');
  }

  private async record(
    provider: IdentityProviderEntity | string,
    context: Pick<SignInContext, 'request' | 'authorizationRequest'>,
    outcome: 'success' | 'failure',
    userId: string | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const clientId = context.authorizationRequest ? deserialize(context.authorizationRequest).client_id : undefined;
    await this.audit.record({
      event: 'federated_sign_in',
      outcome,
      userId,
      clientId: typeof clientId === 'string' ? clientId : null,
      ip: context.request.ip,
      detail: { provider: typeof provider === 'string' ? provider.slice(0, 64) : provider.id, ...detail },
    });
  }
}
