import { LdapSettings } from './ldap-settings';
import { reviewSettings } from './ldap-settings-check';

const base: LdapSettings = {
  url: 'ldaps://ldap.example.org:636',
  startTls: false,
  bindDn: 'cn=reader,dc=example,dc=org',
  bindPassword: 'secret',
  userBase: 'ou=people,dc=example,dc=org',
  userFilter: '(uid={username})',
  attributes: {},
  groupBase: null,
  timeoutMs: 5000,
};

describe('LDAP settings review', () => {
  it('accepts sound settings without warnings', () => {
    expect(reviewSettings(base)).toEqual({
      endpoint: { url: 'ldaps://ldap.example.org:636', secure: true, host: 'ldap.example.org' },
      problems: [],
      warnings: [],
    });
    expect(reviewSettings({ ...base, url: 'ldap://[::1]:389', startTls: true }).endpoint).toEqual({
      url: 'ldap://[::1]:389',
      secure: false,
      host: '::1',
    });
  });

  it.each<[string, Partial<LdapSettings>, string]>([
    ['another scheme', { url: 'http://ldap.example.org' }, 'must be ldap://host:port'],
    ['a path after the port', { url: 'ldap://ldap.example.org/dc=example' }, 'must be ldap://host:port'],
    ['StartTLS on ldaps', { startTls: true }, 'StartTLS is for ldap:// URLs'],
    ['a service account without password', { bindPassword: '' }, 'an empty password is an anonymous bind'],
    ['a SASL mechanism as bind DN', { bindDn: 'EXTERNAL' }, "SASL mechanism's name"],
    ['a user filter without {username}', { userFilter: '(uid=alice)' }, 'must contain {username}'],
    ['a malformed user filter', { userFilter: '(uid={username}' }, 'not a valid LDAP filter'],
    ['{dn} in the user filter', { userFilter: '(&(uid={username})(manager={dn}))' }, '{dn} cannot be used'],
    [
      'a group filter naming nobody',
      { groupBase: 'ou=groups,dc=example,dc=org', groupFilter: '(objectClass=groupOfNames)' },
      'must contain {dn} or {username}',
    ],
    ['an attribute that is no attribute name', { attributes: { email: 'mail)(x' } }, 'not an LDAP attribute name'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeout must be'],
    ['a CA that is not PEM', { tlsCaPem: 'hello' }, 'not a PEM certificate'],
    ['a control character in the base', { userBase: 'ou=people\n,dc=example' }, 'control characters'],
  ])('reports %s', (_label, overrides, words) => {
    expect(reviewSettings({ ...base, ...overrides }).problems).toEqual([expect.stringContaining(words)]);
  });

  it('warns when passwords would cross the network unencrypted, except on the loopback interface', () => {
    expect(reviewSettings({ ...base, url: 'ldap://ldap.example.org' }).warnings).toEqual([expect.stringContaining('unencrypted')]);
    expect(reviewSettings({ ...base, url: 'ldap://127.0.0.1:1389' }).warnings).toEqual([]);
    expect(reviewSettings({ ...base, url: 'ldap://ldap.example.org', startTls: true }).warnings).toEqual([]);
  });
});
