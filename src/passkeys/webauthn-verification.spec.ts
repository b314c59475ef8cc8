import { encodedUserHandleFor, userHandleFor } from './user-handle';
import { verifyRedeeming } from './webauthn-verification';

describe('verifyRedeeming', () => {
  it('passes the redemption to the library as its challenge check and returns its result', async () => {
    const seen: string[] = [];
    const result = await verifyRedeeming(
      async (challenge) => {
        seen.push(challenge);
        return true;
      },
      async (expectedChallenge) => ({ verified: await expectedChallenge('abc') }),
    );
    expect(result).toEqual({ verified: true });
    expect(seen).toEqual(['abc']);
  });

  it('turns a refused check (the library throws) into null', async () => {
    const result = await verifyRedeeming(
      async () => false,
      async (expectedChallenge) => {
        if (!(await expectedChallenge('abc'))) throw new Error('Custom challenge verifier returned false');
        return 'verified';
      },
    );
    expect(result).toBeNull();
  });

  it('rethrows a database failure inside the redemption, so it is not mistaken for a wrong passkey', async () => {
    const outage = new Error('connection refused');
    await expect(
      verifyRedeeming(
        async () => {
          throw outage;
        },
        async (expectedChallenge) => {
          if (!(await expectedChallenge('abc'))) throw new Error('Custom challenge verifier returned false');
          return 'verified';
        },
      ),
    ).rejects.toBe(outage);
  });
});

describe('userHandleFor', () => {
  it('is the 16 bytes of the user id', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(Buffer.from(userHandleFor(id)).toString('hex')).toBe('0f8fad5bd9cb469fa16570867728950e');
    expect(encodedUserHandleFor(id)).toBe(Buffer.from('0f8fad5bd9cb469fa16570867728950e', 'hex').toString('base64url'));
  });
});
