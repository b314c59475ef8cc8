import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AppConfig } from '../../config/app-config';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

// One slow or silent SMTP server must not hold a delivery for minutes (nodemailer's defaults: 2 min to connect,
// an hour of socket inactivity).
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Sends the server's e-mail through SMTP_URL (nodemailer), from MAIL_FROM. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private transport: Transporter | null = null;

  constructor(private readonly config: AppConfig) {}

  get configured(): boolean {
    return this.config.smtpUrl !== undefined;
  }

  async send(message: MailMessage): Promise<void> {
    if (!this.config.smtpUrl) throw new Error('SMTP_URL is not set');
    this.transport ??= createTransport({
      url: this.config.smtpUrl,
      ...TIMEOUTS,
      // Reset links are secrets: in production, plain smtp:// to another host must upgrade with STARTTLS
      // (smtps:// is TLS from the start; a relay on loopback may speak plain SMTP).
      requireTLS: this.config.isProduction && !isLoopback(this.config.smtpUrl),
    });
    await this.transport.sendMail({ from: this.config.mailFrom, to: message.to, subject: message.subject, text: message.text });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}

function isLoopback(url: string): boolean {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
