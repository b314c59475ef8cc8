import { FastifyReply } from 'fastify';
import { sendPage } from '../common/html/html-reply';

/** Why a federated sign-in did not happen: an audit reason, and a readable page for the person. */
export class FederationFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly heading: string,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'FederationFailure';
  }
}

/** The page shown for a failure, with a way back to the sign-in page (keeping the app's request). */
export function sendFailurePage(reply: FastifyReply, failure: FederationFailure, authorizationRequest: string | null | undefined): void {
  const retry = authorizationRequest ? `/authorize?${authorizationRequest}` : '/login';
  sendPage(
    reply,
    'federation-error',
    failure.heading,
    { heading: failure.heading, detail: failure.detail, status: failure.status, retry },
    failure.status,
  );
}
