import { UserEntity } from '../clients/user.entity';

/** The reset e-mail: plain text, so nothing in it is rendered or fetched by the mail client. */
export function resetMail(user: Pick<UserEntity, 'displayName' | 'username'>, link: string, minutes: number): { subject: string; text: string } {
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
