// An error on an HTML route (e.g. /authorize before the redirect URI is trusted): rendered as a page, never redirected.
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'PageError';
  }
}
