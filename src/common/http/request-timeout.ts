import type { Server } from 'node:http';

/**
 * A body that trickles in is cut off, so slow senders cannot hold connections open. Node answers 408 and closes the
 * connection when a request's headers and body have not all arrived within `seconds` of its start. Node checks this on
 * an interval (30 s by default), read when the server starts listening, so it is tightened here too (call before
 * listen).
 */
export function applyRequestTimeout(server: Server, seconds: number): void {
  const ms = seconds * 1000;
  server.requestTimeout = ms;
  server.headersTimeout = Math.min(server.headersTimeout || ms, ms);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    250,
    Math.min(5_000, Math.floor(ms / 4)),
  );
}
