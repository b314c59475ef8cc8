import { accessTokenOf } from './dpop-sender-constraint';

describe('accessTokenOf', () => {
  it('reads Bearer and DPoP credentials, the scheme case-insensitive', () => {
    expect(accessTokenOf('Bearer abc.def.ghi')).toEqual({ scheme: 'bearer', token: 'abc.def.ghi' });
    expect(accessTokenOf('bearer  abc')).toEqual({ scheme: 'bearer', token: 'abc' });
    expect(accessTokenOf('DPoP abc')).toEqual({ scheme: 'dpop', token: 'abc' });
    expect(accessTokenOf('dpop\tabc')).toEqual({ scheme: 'dpop', token: 'abc' });
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer abc ',
    ' Bearer abc',
    'Basic abc',
    'Bearerabc',
    'MAC abc',
    ['Bearer abc'],
  ])('refuses %j', (header) => expect(accessTokenOf(header)).toBeUndefined());
});
