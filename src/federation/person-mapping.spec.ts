import { groupsOf, roleFor, textClaim } from './person-mapping';

describe('roleFor: upstream groups → role', () => {
  const provider = { roleMap: { clinicians: 'practitioner' as const, patients: 'patient' as const }, defaultRole: null };

  it('maps a member of one mapped group', () => {
    expect(roleFor(provider, ['staff', 'clinicians'])).toEqual({ role: 'practitioner' });
  });

  it('refuses people in no mapped group unless the provider names a default role', () => {
    expect(roleFor(provider, ['staff'])).toEqual({ problem: 'no-role' });
    expect(roleFor({ ...provider, defaultRole: 'patient' }, ['staff'])).toEqual({ role: 'patient' });
  });

  it('refuses groups that map to both roles instead of guessing', () => {
    expect(roleFor(provider, ['clinicians', 'patients'])).toEqual({ problem: 'conflicting-roles' });
  });

  it('never takes inherited object members for groups', () => {
    expect(roleFor(provider, ['constructor', '__proto__', 'toString'])).toEqual({ problem: 'no-role' });
  });
});

describe('claims from upstream', () => {
  it('takes groups as a list or one name, bounded', () => {
    expect(groupsOf('clinicians')).toEqual(['clinicians']);
    expect(groupsOf(['a', 3, '', 'b'])).toEqual(['a', 'b']);
    expect(groupsOf(Array.from({ length: 500 }, (_, index) => `g${index}`))).toHaveLength(200);
    expect(groupsOf({ clinicians: true })).toEqual([]);
  });

  it('takes text claims without control characters', () => {
    expect(textClaim('Dr Who')).toBe('Dr Who');
    expect(textClaim('a\nb')).toBeNull();
    expect(textClaim(42)).toBeNull();
    expect(textClaim('x'.repeat(201))).toBeNull();
  });
});
