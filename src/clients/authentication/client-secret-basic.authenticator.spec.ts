import { parseBasicCredentials } from './client-secret-basic.authenticator';

const header = (raw: string) => ({ headers: { authorization: `Basic ${Buffer.from(raw).toString('base64')}` }, body: {} });

describe('parseBasicCredentials (RFC 6749 §2.3.1)', () => {
  it('form-decodes the client id and secret', () => {
    expect(parseBasicCredentials(header('my%3Aclient:s%2Bcr+t'))).toEqual({ clientId: 'my:client', clientSecret: 's+cr t' });
  });

  it('splits at the first colon, so secrets may contain colons', () => {
    expect(parseBasicCredentials(header('id:a:b'))).toEqual({ clientId: 'id', clientSecret: 'a:b' });
  });

  it.each([
    ['no colon', { authorization: `Basic ${Buffer.from('abc').toString('base64')}` }],
    ['not base64', { authorization: 'Basic ***' }],
    ['empty credentials', { authorization: 'Basic' }],
    ['bad percent-encoding', { authorization: `Basic ${Buffer.from('%zz:secret').toString('base64')}` }],
  ])('rejects %s as invalid_request', (_, headers) => {
    expect(() => parseBasicCredentials({ headers, body: {} })).toThrow(expect.objectContaining({ error: 'invalid_request' }));
  });
});
