import { Entry } from 'ldapts';
import { guidFromObjectGuid, immutableIdOf } from './ldap-entry';

describe('LDAP entry ids', () => {
  // The example GUID of [MS-DTYP] §2.3.4.3, {6B29FC40-CA47-1067-B31D-00DD010662DA}, as Active Directory stores it.
  const stored = Buffer.from('40fc296b47ca6710b31d00dd010662da', 'hex');

  it('turns objectGUID bytes into the canonical GUID string', () => {
    expect(guidFromObjectGuid(stored)).toBe('6b29fc40-ca47-1067-b31d-00dd010662da');
    expect(guidFromObjectGuid(Buffer.alloc(15))).toBeNull();
  });

  it('prefers entryUUID, falls back to objectGUID, and never uses the DN or mail', () => {
    const uuid = '597ae2f6-16a6-1027-98f4-d28b5365dc14';
    expect(immutableIdOf({ dn: 'uid=a,dc=x', entryUUID: uuid.toUpperCase(), objectGUID: stored } as Entry)).toBe(uuid);
    expect(immutableIdOf({ dn: 'cn=a,dc=x', objectGUID: stored } as Entry)).toBe('6b29fc40-ca47-1067-b31d-00dd010662da');
    expect(immutableIdOf({ dn: 'uid=a,dc=x', mail: 'a@example.org', entryUUID: 'not-a-uuid' } as Entry)).toBeNull();
  });
});
