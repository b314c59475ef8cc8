// A software WebAuthn authenticator for HTTP tests: it makes the same registration and assertion responses a
// browser returns (attestation 'none', ES256), so tests can forge, replay and redirect them. Chrome's own
// virtual authenticator is exercised by test/e2e/browser-passkeys.e2e-spec.ts.
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** The RP ID whose hash goes into authenticator data (default: the origin's host name). */
  rpId?: string;
  /** UV flag: the authenticator verified the person (default true). */
  userVerified?: boolean;
  /** BE/BS flags: a synced passkey (default false: device-bound). */
  synced?: boolean;
}

type Json = Record<string, unknown>;

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32).toString('base64url');
  counter = 0;
  userHandle: string | undefined;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(private readonly options: SoftAuthenticatorOptions) {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }

  /** A copy holding the same key, as a cloned authenticator would (its counter is separate). */
  clone(overrides: Partial<SoftAuthenticatorOptions> = {}): SoftAuthenticator {
    const copy = new SoftAuthenticator({ ...this.options, ...overrides });
    Object.assign(copy, {
      credentialId: this.credentialId,
      privateKey: this.privateKey,
      publicKey: this.publicKey,
      userHandle: this.userHandle,
      counter: this.counter,
    });
    return copy;
  }

  /** navigator.credentials.create() for creation options as the server sent them. */
  create(options: { challenge: string; user: { id: string } }): Json {
    this.userHandle = options.user.id;
    const jwk = this.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, unknown>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]);
    const id = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([this.authData(0x40), Buffer.alloc(16), idLength, id, cbor(coseKey)]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get() for request options as the server sent them. */
  get(options: { challenge: string }, overrides: { userHandle?: string | null } = {}): Json {
    this.counter += 1;
    const authData = this.authData(0);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge);
    const signed = Buffer.concat([authData, createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest()]);
    const userHandle = overrides.userHandle === undefined ? this.userHandle : overrides.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        // ECDSA signatures in WebAuthn are ASN.1 DER (§6.5.5), which is what Node produces by default.
        signature: sign('sha256', signed, this.privateKey).toString('base64url'),
        ...(userHandle ? { userHandle } : {}),
      },
    };
  }

  private authData(extraFlags: number): Buffer {
    const rpId = this.options.rpId ?? new URL(this.options.origin).hostname;
    // UP always; UV, BE and BS as configured (WebAuthn §6.1 flags).
    const flags = 0x01 | (this.options.userVerified === false ? 0 : 0x04) | (this.options.synced ? 0x18 : 0) | extraFlags;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counter]);
  }

  private clientData(type: string, challenge: string): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.options.origin, crossOrigin: false })).toString('base64url');
  }
}

/** The little CBOR (RFC 8949) that attestation objects and COSE keys need: integers, strings, bytes and maps. */
function cbor(value: unknown): Buffer {
  const head = (major: number, length: number): Buffer => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
    const bytes = Buffer.alloc(3);
    bytes[0] = (major << 5) | 25;
    bytes.writeUInt16BE(length, 1);
    return bytes;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([key, item]) => [cbor(key), cbor(item)])]);
  throw new Error(`cannot encode ${typeof value}`);
}
