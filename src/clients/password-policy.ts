import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Rules for a newly chosen password, after NIST SP 800-63B §5.1.1.2 (memorized secret verifiers): at least
 * 12 characters, a generous maximum, no composition rules and no periodic change; instead the password is
 * compared with a list of commonly used and breached passwords (the ~49,000 of the zxcvbn `passwords-common`
 * dictionary, shipped in the package, no network call), repetitive or sequential characters, and
 * context-specific words (the username, the e-mail address, the service's name). Existing passwords are never
 * re-judged: the rules apply when a password is set.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Shorter remains of a password, with digits and symbols peeled off its ends, are not looked up (too many false hits). */
const MIN_CORE_LENGTH = 4;
const SERVICE_WORDS = ['smart-auth', 'smartauth', 'smart auth'];

// Built once at boot (~10 ms), so no request pays for it on the event loop.
const COMMON_PASSWORDS = new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));

function isCommon(candidate: string): boolean {
  return COMMON_PASSWORDS.has(candidate);
}

export interface PasswordContext {
  username?: string | null;
  email?: string | null;
}

/** Why `password` may not be chosen, as a sentence to show the person; null when it is acceptable. */
export function passwordProblem(password: unknown, context: PasswordContext = {}): string | null {
  if (typeof password !== 'string') return 'Enter a password.';
  // A code point takes at most two UTF-16 units: a longer string is too long without counting (bounded work).
  if (password.length > 2 * PASSWORD_MAX_LENGTH) return `Choose a password of at most ${PASSWORD_MAX_LENGTH} characters.`;
  // §5.1.1.2: each Unicode code point counts as one character.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return `Choose a password of at least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`;
  if (length > PASSWORD_MAX_LENGTH) return `Choose a password of at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lower = password.toLowerCase();
  if (new Set(lower).size < 4 || isSequence(lower))
    return 'That password repeats or runs through characters (like "aaaa" or "abcd…"). Choose another one.';
  // A common password with digits or symbols added around it ("Password!2024") is just as guessable.
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (isCommon(lower) || (core.length >= MIN_CORE_LENGTH && isCommon(core))) {
    return 'That password is on a list of commonly used or breached passwords. Choose another one.';
  }
  for (const word of contextWords(context)) {
    if (lower.includes(word))
      return 'Choose a password that does not contain your username, your e-mail address or the name of this service.';
  }
  return null;
}

/** Every character one step up (or down) from the previous, digits wrapping around: "123456789012", "zyxwvu…". */
function isSequence(value: string): boolean {
  const codes = [...value].map((character) => character.codePointAt(0) as number);
  const step = (from: number, to: number): number => {
    const digits = from >= 48 && from <= 57 && to >= 48 && to <= 57;
    return digits ? (((to - from) % 10) + 10) % 10 : to - from;
  };
  const first = step(codes[0], codes[1]);
  if (first !== 1 && first !== -1 && first !== 9) return false;
  return codes.slice(1).every((code, index) => step(codes[index], code) === first);
}

function contextWords(context: PasswordContext): string[] {
  const words = [...SERVICE_WORDS];
  const username = context.username?.trim().toLowerCase();
  if (username && username.length >= MIN_CORE_LENGTH) words.push(username);
  const email = context.email?.trim().toLowerCase();
  if (email) {
    words.push(email);
    const local = email.split('@')[0];
    if (local.length >= MIN_CORE_LENGTH) words.push(local);
  }
  return words;
}
