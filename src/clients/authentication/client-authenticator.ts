import { InvalidRequestError } from '../../common/oauth/errors';
import { ClientEntity, TokenEndpointAuthMethod } from '../client.entity';

export type ClientAuthenticationMethod = TokenEndpointAuthMethod;
export type ClientAuthenticationEndpoint = 'token' | 'introspection' | 'revocation' | 'launch';

/** The HTTP-shaped input: raw headers and the parsed (form or JSON) body. */
export interface ClientAuthenticationRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface AuthenticatedClient {
  client: ClientEntity;
  method: ClientAuthenticationMethod;
}

/** One client authentication method (RFC 6749 §2.3, RFC 7523, SMART client profiles). */
export interface ClientAuthenticator {
  readonly method: ClientAuthenticationMethod;
  /** JWS algorithms accepted (token_endpoint_auth_signing_alg_values_supported). */
  readonly signingAlgorithms?: readonly string[];
  /** Whether the request carries this method's credentials. */
  isPresentedBy(request: ClientAuthenticationRequest): boolean;
  /** The client id the credentials claim; throws when they are malformed. */
  claimedClientId(request: ClientAuthenticationRequest): string;
  /** Verifies the credentials for the registered client; throws InvalidClientError on failure. */
  verify(client: ClientEntity, request: ClientAuthenticationRequest, endpoint: ClientAuthenticationEndpoint): Promise<void>;
}

export const CLIENT_AUTHENTICATORS = Symbol('CLIENT_AUTHENTICATORS');

/** A body parameter as a single string; repeated parameters are invalid_request (RFC 6749 §3.1). */
export function bodyParameter(request: ClientAuthenticationRequest, name: string): string | undefined {
  const value = request.body?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`The ${name} parameter must be given exactly once`);
  return value;
}

export function hasBodyParameter(request: ClientAuthenticationRequest, name: string): boolean {
  const value = request.body?.[name];
  return value !== undefined && value !== null;
}

export function header(request: ClientAuthenticationRequest, name: string): string | undefined {
  const headers = request.headers ?? {};
  // Node lower-cases incoming header names; other callers may not.
  const value = name in headers ? headers[name] : Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(value)) throw new InvalidRequestError(`The ${name} header must be given exactly once`);
  return value;
}

export function basicAuthorization(request: ClientAuthenticationRequest): string | undefined {
  const value = header(request, 'authorization');
  if (!value) return undefined;
  const match = /^basic(?:\s+(.*))?$/i.exec(value.trim());
  return match ? (match[1] ?? '') : undefined;
}
