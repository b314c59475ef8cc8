import { AndFilter, EqualityFilter } from 'ldapts';
import { fillFilter } from './ldap-filter';

describe('LDAP filter templates', () => {
  it.each(['*', 'admin)(uid=*', '*)(|(uid=*', '\\2a', 'a\u0000b', '(x)'])('keeps %j a single assertion value (RFC 4515 §3)', (username) => {
    const filter = fillFilter('(&(objectClass=person)(uid={username}))', { username }) as AndFilter;
    expect(filter.filters).toHaveLength(2);
    expect(filter.filters[1]).toBeInstanceOf(EqualityFilter);
    expect((filter.filters[1] as EqualityFilter).value).toBe(username);
  });

  it('escapes a DN put into a group filter and ignores placeholder syntax inside values', () => {
    const filter = fillFilter('(member={dn})', { dn: 'cn=a\\2C b (x)*,dc=example' }) as EqualityFilter;
    expect(filter.value).toBe('cn=a\\2C b (x)*,dc=example');
    const nested = fillFilter('(|(uid={username})(cn={username}))', { username: '{dn}' }).toString();
    expect(nested).toBe('(|(uid={dn})(cn={dn}))');
  });
});
