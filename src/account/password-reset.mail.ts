import { UserEntity } from '../clients/user.entity';

/** The reset e-mail: plain text, so nothing in it is rendered or fetched by the mail client. */
export function resetMail(
  user: Pick<UserEntity, 'displayName' | 'username'>,
  link: string,
  minutes: number,
): { subject: string; text: string } {
  return {
    subject: 'Reset your password',
    text: [
      `Hello ${user.displayName},`,
      '',
      `Someone, hopefully you, asked to reset the password of the account "${user.username}".`,
      `To choose a new password, open this link within ${minutes} minutes. It works once:`,
      '',
      link,
      '',
      'If you did not ask for this, ignore this e-mail: your password stays as it is.',
      'Setting a new password signs the account out everywhere.',
    ].join('\n'),
  };
}

/** The answer to a reset request for someone who signs in through an identity provider: no link, where to go. */
export function noLocalPasswordMail(
  user: Pick<UserEntity, 'displayName' | 'username'>,
  signInUrl: string,
): { subject: string; text: string } {
  return {
    subject: 'Your password is managed by your organisation',
    text: [
      `Hello ${user.displayName},`,
      '',
      `Someone, hopefully you, asked to reset the password of the account "${user.username}".`,
      'This account signs in through your organisation, so it has no password here to reset.',
      `Sign in with your organisation on the sign-in page: ${signInUrl}`,
      "If you forgot that password, use your organisation's own way to reset it, or ask its help desk.",
      '',
      'If you did not ask for this, ignore this e-mail: nothing has changed.',
    ].join('\n'),
  };
}
