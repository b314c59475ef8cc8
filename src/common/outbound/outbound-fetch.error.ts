/**
 * Any failed outbound fetch. The message is the same for every cause (refused target, DNS failure, closed port,
 * timeout, oversize, bad status, not JSON) so nothing that reaches a client tells internal hosts or ports apart;
 * `detail` is for the server's debug log only.
 */
export class OutboundFetchError extends Error {
  constructor(readonly detail: string) {
    super('The document could not be retrieved');
    this.name = 'OutboundFetchError';
  }
}
