import { SignedInUser } from '../authorize/browser-session.service';
import { PasskeySummary } from './passkeys.service';

const NOTICES: Record<string, string> = { added: 'Passkey added.', renamed: 'Passkey renamed.', removed: 'Passkey removed.' };

/** Context of views/passkeys.hbs. */
export function passkeysPage(
  signedIn: SignedInUser,
  passkeys: PasskeySummary[],
  state: { available: boolean; recent: boolean; done: unknown },
): Record<string, unknown> {
  return {
    userName: signedIn.user.displayName,
    csrfToken: signedIn.csrfToken,
    available: state.available,
    recent: state.recent,
    notice: typeof state.done === 'string' && Object.hasOwn(NOTICES, state.done) ? NOTICES[state.done] : undefined,
    passkeys: passkeys.map((passkey) => ({
      id: passkey.id,
      name: passkey.name,
      kind: passkey.deviceType === 'multiDevice' ? 'Synced passkey' : 'Device-bound passkey or security key',
      createdAt: passkey.createdAt.toISOString().slice(0, 10),
      lastUsedAt: passkey.lastUsedAt?.toISOString().slice(0, 10),
    })),
  };
}
