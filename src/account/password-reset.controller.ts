import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { BrowserSessionService } from '../authorize/browser-session.service';
import { sendPage } from '../common/html/html-reply';
import { field } from '../common/html/form-fields';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../clients/password-policy';
import { PageError } from '../common/html/page.error';
import { isStorableText } from '../common/text/control-characters';
import { PasswordResetService, RESET_LIMITS } from './password-reset.service';
import { localReturnTo, signInLink } from './return-to';

const NOT_CONFIGURED = 'Password reset by e-mail is not configured on this server. Ask your administrator to set a new password for you.';
const EXPIRED = 'This link has expired or has already been used. Ask for a new one.';
const POLICY_HINT = `At least ${PASSWORD_MIN_LENGTH} characters (at most ${PASSWORD_MAX_LENGTH}). A few unrelated words make a good password; common passwords are refused.`;

/**
 * "Forgot password?": a request form (`username` or `email`), the same answer whatever it names, an e-mailed
 * single-use link to a form taking the new `password` (and its confirmation). Field names are part of the
 * automation contract (README).
 */
@ApiExcludeController()
@Controller('password-reset')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly sessions: BrowserSessionService,
  ) {}

  @Get()
  requestPage(@Query('return_to') returnTo: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.configured();
    this.showRequestForm(request, reply, localReturnTo(returnTo));
  }

  @Post()
  async requestLink(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.configured();
    const form = body && typeof body === 'object' ? body : {};
    const returnTo = localReturnTo(form.return_to);
    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token))
      return this.showRequestForm(request, reply, returnTo, 'The form expired. Please try again.', 400);
    const identifier = (field(form.username) || field(form.email) || '').trim();
    if (!identifier || identifier.length > 254 || !isStorableText(identifier))
      return this.showRequestForm(request, reply, returnTo, 'Enter your username or e-mail address.', 400);
    // The address limit is the only answer that differs, and it says nothing about any account.
    if (!(await this.resets.admit(request.ip))) {
      reply.header('Retry-After', String(RESET_LIMITS.windowSeconds));
      return this.showRequestForm(request, reply, returnTo, 'Too many reset requests came from your network. Please try again later.', 429);
    }
    this.resets.request(identifier, request.ip, returnTo, this.sessions.browserBinding(request, reply));
    sendPage(reply, 'password-reset-sent', 'Check your e-mail', {
      minutes: RESET_LIMITS.linkLifetimeSeconds / 60,
      signInUrl: signInLink(returnTo),
    });
  }

  /** Opening the link only shows the form (mail scanners follow links); the POST uses the link up. */
  @Get('confirm')
  async confirmPage(@Query('token') token: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.configured();
    if (!(await this.resets.userForToken(token))) throw new PageError(400, 'Link expired', EXPIRED);
    this.showPasswordForm(request, reply, token as string);
  }

  @Post('confirm')
  async confirm(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.configured();
    const form = body && typeof body === 'object' ? body : {};
    const token = field(form.token) ?? '';
    const password = field(form.password) ?? '';
    if (!this.sessions.anonymousCsrfValid(request, form.csrf_token))
      return this.showPasswordForm(request, reply, token, 'The form expired. Please try again.', 400);
    if (password !== (field(form.password_confirmation) ?? password))
      return this.showPasswordForm(request, reply, token, 'The two passwords do not match.', 400);
    const outcome = await this.resets.complete(token, password, request.ip, this.sessions.browserBinding(request, reply));
    if (outcome.kind === 'invalid') throw new PageError(400, 'Link expired', EXPIRED);
    if (outcome.kind === 'weak') return this.showPasswordForm(request, reply, token, outcome.message, 400);
    sendPage(reply, 'password-reset-done', 'Password changed', { signInUrl: signInLink(outcome.returnTo) });
  }

  private configured(): void {
    if (!this.resets.enabled) throw new PageError(404, 'Not available', NOT_CONFIGURED);
  }

  private showRequestForm(request: FastifyRequest, reply: FastifyReply, returnTo: string | null, error?: string, status = 200): void {
    const csrfToken = this.sessions.anonymousCsrfToken(request, reply);
    sendPage(
      reply,
      'password-reset-request',
      'Reset your password',
      { csrfToken, returnTo, error, signInUrl: signInLink(returnTo) },
      status,
    );
  }

  private showPasswordForm(request: FastifyRequest, reply: FastifyReply, token: string, error?: string, status = 200): void {
    const csrfToken = this.sessions.anonymousCsrfToken(request, reply);
    sendPage(
      reply,
      'password-reset-form',
      'Choose a new password',
      { csrfToken, token, error, hint: POLICY_HINT, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
      status,
    );
  }
}
