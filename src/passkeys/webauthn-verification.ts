/**
 * Runs one library verification whose challenge check redeems the challenge in PostgreSQL. A verification
 * failure (the library throws plain errors for every refused check) becomes null; a database failure inside
 * the redemption is rethrown, so an outage answers 503 rather than "wrong passkey".
 */
export async function verifyRedeeming<T>(
  redeem: (challenge: string) => Promise<boolean>,
  verify: (expectedChallenge: (challenge: string) => Promise<boolean>) => Promise<T>,
): Promise<T | null> {
  let failure: unknown = null;
  const expectedChallenge = async (challenge: string): Promise<boolean> => {
    try {
      return await redeem(challenge);
    } catch (error) {
      failure = error;
      return false;
    }
  };
  try {
    return await verify(expectedChallenge);
  } catch {
    if (failure) throw failure;
    return null;
  }
}
