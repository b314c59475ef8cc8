import { Injectable } from '@nestjs/common';
import { LdapOutcome, LdapSettings } from './ldap-settings';

/** Placeholder until the LDAP connector is merged: every sign-in and check reports that LDAP is not available. */
@Injectable()
export class LdapDirectory {
  async authenticate(_settings: LdapSettings, _username: string, _password: string): Promise<LdapOutcome> {
    return { ok: false, reason: 'misconfigured', detail: 'LDAP is not available in this build' };
  }

  async check(_settings: LdapSettings): Promise<{ ok: boolean; problems: string[] }> {
    return { ok: false, problems: ['LDAP is not available in this build'] };
  }
}
