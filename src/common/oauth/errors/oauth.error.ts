// RFC 6749 §5.2 error. `detail` is for logs only and is never serialised.
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number,
    readonly headers: Record<string, string> = {},
    readonly detail?: string,
  ) {
    super(description ?? error);
    this.name = 'OAuthError';
  }

  toJSON(): Record<string, string> {
    return this.description ? { error: this.error, error_description: this.description } : { error: this.error };
  }
}
