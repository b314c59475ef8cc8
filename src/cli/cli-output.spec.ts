import { formatTable } from './cli-output';

describe('formatTable', () => {
  it('aligns columns, joins arrays and leaves nulls empty', () => {
    const table = formatTable([
      { client_id: 'a', redirect_uris: ['https://x/cb', 'https://y/cb'], launch_url: null },
      { client_id: 'longer-id', redirect_uris: [], launch_url: 'https://l' },
    ]);
    expect(table.split('\n')).toEqual([
      'client_id  redirect_uris              launch_url',
      '---------  -------------------------  ----------',
      'a          https://x/cb https://y/cb',
      'longer-id                             https://l',
    ]);
  });

  it('says so when there are no rows', () => {
    expect(formatTable([])).toBe('(none)');
  });
});
