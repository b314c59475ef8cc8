import { InvalidRequestError } from '../common/oauth/errors';
import { isFormEncoded, singleValuedParams } from './form-params';

describe('form parameters', () => {
  it.each([
    ['application/x-www-form-urlencoded', true],
    ['application/x-www-form-urlencoded; charset=UTF-8', true],
    ['Application/X-WWW-Form-Urlencoded', true],
    ['application/json', false],
    ['application/x-www-form-urlencodedx', false],
    [undefined, false],
  ])('%s is form-encoded: %s', (contentType, expected) => {
    expect(isFormEncoded(contentType)).toBe(expected);
  });

  it('keeps single values and treats empty values as omitted (RFC 6749 §3.1)', () => {
    expect(singleValuedParams({ grant_type: 'authorization_code', scope: '' })).toEqual({ grant_type: 'authorization_code' });
    expect(singleValuedParams(undefined)).toEqual({});
  });

  it('refuses repeated or non-string parameters', () => {
    expect(() => singleValuedParams({ code: ['a', 'b'] })).toThrow(InvalidRequestError);
    expect(() => singleValuedParams({ code: { nested: 'x' } })).toThrow(InvalidRequestError);
    expect(() => singleValuedParams('raw text')).toThrow(InvalidRequestError);
    expect(() => singleValuedParams({ client_id: 'a\u0000b' })).toThrow(InvalidRequestError);
    expect(() => singleValuedParams({ scope: 'openid\nfhirUser' })).toThrow(InvalidRequestError);
  });
});
