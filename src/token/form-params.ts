import { InvalidRequestError, InvalidTargetError } from '../common/oauth/errors';
import { hasControlCharacters } from '../common/text/control-characters';

export type FormParams = Record<string, string>;

const FORM = /^application\/x-www-form-urlencoded(\s*;|$)/i;

export function isFormEncoded(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && FORM.test(contentType.trim());
}

/**
 * RFC 6749 §3.2 / RFC 7662 §2.1: parameters sent without a value are treated as omitted, and request
 * parameters MUST NOT be included more than once (the form parser turns a repeated key into an array).
 */
export function singleValuedParams(body: unknown): FormParams {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new InvalidRequestError('The request body must be application/x-www-form-urlencoded');
  const params: FormParams = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    // RFC 8707 §2: several `resource` values are legal; this server issues a token for one (invalid_target).
    if (Array.isArray(value))
      throw key === 'resource'
        ? new InvalidTargetError('One resource per request')
        : new InvalidRequestError(`Parameter ${key} is repeated`);
    if (typeof value !== 'string' || hasControlCharacters(value)) throw new InvalidRequestError(`Parameter ${key} is malformed`);
    if (value !== '') params[key] = value;
  }
  return params;
}
