import { Injectable } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { sendPage } from '../common/html/html-reply';
import { TotpEnrolment } from './totp.service';

export interface SecondFactorPage {
  csrfToken: string;
  /** Enrolled kinds, e.g. { totp: true }; each shows its own section. */
  factors: Record<string, boolean>;
  recoveryCodes: boolean;
  authorizationRequest?: string | null;
  cancelCsrfToken?: string;
  error?: string;
  status?: number;
}

export interface ContinueForm {
  csrfToken: string;
  authorizationRequest?: string | null;
  returnTo?: string | null;
}

/** The pages of the second step and of the authenticator settings; field names are the automation contract. */
@Injectable()
export class MfaPages {
  secondFactor(reply: FastifyReply, page: SecondFactorPage): void {
    sendPage(
      reply,
      'second-factor',
      'Two-step verification',
      { ...page, authorizationRequest: page.authorizationRequest ?? undefined },
      page.status ?? 200,
    );
  }

  enrol(
    reply: FastifyReply,
    page: { action: string; csrfToken: string; enrolment: TotpEnrolment; required?: boolean; error?: string; status?: number },
  ): void {
    sendPage(
      reply,
      'totp-enrol',
      'Set up an authenticator app',
      {
        action: page.action,
        csrfToken: page.csrfToken,
        secret: page.enrolment.secret,
        qrCode: page.enrolment.qrCode,
        required: page.required,
        error: page.error,
      },
      page.status ?? 200,
    );
  }

  recoveryCodes(reply: FastifyReply, codes: string[], next: { continueForm: ContinueForm } | { doneHref: string }, notice?: string): void {
    sendPage(reply, 'recovery-codes', 'Save your recovery codes', { codes, notice, ...next });
  }

  settings(
    reply: FastifyReply,
    page: {
      csrfToken: string;
      enrolled: boolean;
      remaining?: number;
      otherFactors?: boolean;
      notice?: string;
      error?: string;
      status?: number;
    },
  ): void {
    sendPage(reply, 'two-factor-settings', 'Two-step verification', page, page.status ?? 200);
  }
}
