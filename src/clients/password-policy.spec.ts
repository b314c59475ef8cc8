import { PASSWORD_MAX_LENGTH, passwordProblem } from './password-policy';

describe('password policy (NIST SP 800-63B §5.1.1.2)', () => {
  it('accepts long passphrases without composition rules', () => {
    for (const password of [
      'correct horse battery staple',
      'all lower case words here',
      'Ünïcödé pässwörd ☃ ok',
      `${'x'.repeat(4)}yz1234567890`,
    ]) {
      expect(passwordProblem(password)).toBeNull();
    }
  });

  it('counts code points, and allows 12 to 256 of them', () => {
    expect(passwordProblem('short-pass1')).toMatch(/at least 12 characters/);
    expect(passwordProblem('🐢🦊🐙🐳🦉🐝🦀🐞🦋🐌🐍🦎')).toBeNull(); // 12 code points, 24 UTF-16 units
    expect(passwordProblem('🐢🦊🐙🐳🦉🐝🦀🐞🦋🐌🐍')).toMatch(/at least 12/);
    expect(passwordProblem(`${'long words '.repeat(23)}`.slice(0, PASSWORD_MAX_LENGTH))).toBeNull();
    expect(passwordProblem('a b c d e f '.repeat(30))).toMatch(/at most 256/);
    expect(passwordProblem(undefined)).toMatch(/Enter a password/);
    expect(passwordProblem('x'.repeat(5_000_000))).toMatch(/at most 256/);
  });

  it('refuses common and breached passwords, case-insensitively and with digits or symbols around them', () => {
    for (const password of ['password1234', 'PASSWORD1234', 'qwertyuiop123', 'Iloveyou!2024', '!!Football1234', 'baseball12345']) {
      expect(passwordProblem(password)).toMatch(/commonly used or breached/);
    }
  });

  it('refuses repetitive and sequential passwords', () => {
    for (const password of [
      'aaaaaaaaaaaa',
      'abababababab',
      '112211221122',
      'abcdefghijklm',
      'ZYXWVUTSRQPO',
      '123456789012',
      '987654321098',
    ]) {
      expect(passwordProblem(password)).toMatch(/repeats or runs/);
    }
  });

  it('refuses the username, the e-mail address and the service name inside the password', () => {
    expect(passwordProblem('my name is casey.c really', { username: 'Casey.C' })).toMatch(/username/);
    expect(passwordProblem('reading-casey@example.org', { email: 'Casey@Example.org' })).toMatch(/e-mail/);
    expect(passwordProblem('my caseyc42 mailbox pw', { email: 'caseyc42@example.org' })).toMatch(/e-mail/);
    expect(passwordProblem('my own smart-auth login')).toMatch(/name of this service/);
    expect(passwordProblem('kept safe by jo here', { username: 'jo' })).toBeNull();
  });
});
