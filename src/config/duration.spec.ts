import { parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['60', 60],
    ['60s', 60],
    ['5m', 300],
    ['1h', 3600],
    ['90d', 7776000],
    [' 2h ', 7200],
  ])('parses %p as %p seconds', (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });

  it.each(['', 'abc', '1w', '-5s', '1.5h', '10 minutes'])('rejects %p', (input) => {
    expect(parseDurationSeconds(input)).toBeNull();
  });
});
