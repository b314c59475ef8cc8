import { Injectable } from '@nestjs/common';
import { Client, Entry, InsufficientAccessError, NoSuchObjectError } from 'ldapts';
import { isStorableText } from '../../common/text/control-characters';
import { DirectorySession, withDirectory } from './ldap-connection';
import { firstText, immutableIdOf, valuesOf } from './ldap-entry';
import { DEFAULT_GROUP_FILTER, fillFilter } from './ldap-filter';
import { LdapCheck, LdapFailureReason, LdapOutcome, LdapSettings } from './ldap-settings';
import { reviewSettings } from './ldap-settings-check';

export const MAX_USERNAME_LENGTH = 256;
export const MAX_PASSWORD_LENGTH = 1024;
/** At most this many group names per person (a search size limit and a cap on memberOf look-ups). */
export const MAX_GROUPS = 500;
const GROUP_LOOKUP_BATCH = 16;

const refuse = (reason: LdapFailureReason, detail: string): LdapOutcome => ({ ok: false, reason, detail });

/**
 * Signs people in against an organisation's directory: find the one entry the user filter names (as the service
 * account), then bind as that entry with the password given (RFC 4513 §5.1.3), then read its groups.
 */
@Injectable()
export class LdapDirectory {
  async authenticate(settings: LdapSettings, username: string, password: string): Promise<LdapOutcome> {
    const name = typeof username === 'string' && isStorableText(username) ? username.trim() : '';
    if (!name || name.length > MAX_USERNAME_LENGTH) {
      return refuse('not-found', `the username is empty, longer than ${MAX_USERNAME_LENGTH} characters or contains control characters`);
    }
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an unauthenticated bind, which many
    // servers answer with success. It is refused here, before any connection is made.
    if (typeof password !== 'string' || password.length === 0) return refuse('invalid-credentials', 'an empty password is refused');
    if (password.length > MAX_PASSWORD_LENGTH) return refuse('invalid-credentials', 'the password is too long');
    const review = reviewSettings(settings);
    if (!review.endpoint || review.problems.length > 0) return refuse('misconfigured', review.problems.join('; '));
    const result = await withDirectory(settings, review.endpoint, (session) => this.signIn(settings, session, name, password));
    return result.ok ? result.value : { ok: false, ...result.failure };
  }

  /** An operator's configuration test: connect, StartTLS, service bind, and the bases exist. */
  async check(settings: LdapSettings): Promise<LdapCheck> {
    const review = reviewSettings(settings);
    if (!review.endpoint || review.problems.length > 0) return { ok: false, problems: review.problems, warnings: review.warnings };
    const problems: string[] = [];
    const result = await withDirectory(settings, review.endpoint, async (session) => {
      await this.bindService(settings, session, false);
      session.step('user-base');
      if (!(await this.exists(session.client, settings.userBase)))
        problems.push(`the user base ${settings.userBase} does not exist (or the service account may not see it)`);
      if (settings.groupBase) {
        session.step('group-base');
        if (!(await this.exists(session.client, settings.groupBase)))
          problems.push(`the group base ${settings.groupBase} does not exist (or the service account may not see it)`);
      }
    });
    if (!result.ok) problems.unshift(result.failure.detail);
    return { ok: problems.length === 0, problems, warnings: review.warnings };
  }

  private async signIn(settings: LdapSettings, session: DirectorySession, username: string, password: string): Promise<LdapOutcome> {
    const { client, step } = session;
    await this.bindService(settings, session, false);
    step('user-search');
    const attributes = settings.attributes;
    const { searchEntries } = await client.search(settings.userBase, {
      scope: 'sub',
      filter: fillFilter(settings.userFilter, { username }),
      // Two are enough to know the filter is ambiguous.
      sizeLimit: 2,
      timeLimit: Math.ceil(settings.timeoutMs / 1000),
      derefAliases: 'never',
      attributes: [
        ...new Set([
          'entryUUID',
          'objectGUID',
          'memberOf',
          'cn',
          attributes.username ?? 'uid',
          attributes.displayName ?? 'displayName',
          attributes.email ?? 'mail',
          ...(attributes.fhirUser ? [attributes.fhirUser] : []),
        ]),
      ],
      explicitBufferAttributes: ['objectGUID'],
    });
    if (searchEntries.length === 0) return refuse('not-found', 'no entry in the user base matches this username');
    if (searchEntries.length > 1) return refuse('ambiguous', 'more than one entry matches this username; make the user filter stricter');
    const [entry] = searchEntries;
    const id = immutableIdOf(entry);
    if (!id) return refuse('misconfigured', `the entry ${entry.dn} has no entryUUID or objectGUID the service account can read`);

    step('user-bind');
    await client.bind(entry.dn, password);
    // Groups are read as the service account (or anonymously again), not with the person's rights.
    await this.bindService(settings, session, true);
    step('groups');
    const groups = await this.groupsOf(settings, client, entry, username);
    return {
      ok: true,
      person: {
        id,
        dn: entry.dn,
        username: firstText(entry, attributes.username ?? 'uid') ?? username,
        displayName: firstText(entry, attributes.displayName ?? 'displayName') ?? firstText(entry, 'cn'),
        fhirUser: firstText(entry, attributes.fhirUser),
        email: firstText(entry, attributes.email ?? 'mail'),
        groups,
      },
    };
  }

  private async bindService(settings: LdapSettings, { client, step }: DirectorySession, again: boolean): Promise<void> {
    step('service-bind');
    if (settings.bindDn) await client.bind(settings.bindDn, settings.bindPassword ?? undefined);
    else if (again) await client.bind(''); // anonymous again (RFC 4513 §5.1.1)
  }

  private async groupsOf(settings: LdapSettings, client: Client, entry: Entry, username: string): Promise<string[]> {
    const nameAttribute = settings.groupNameAttribute || 'cn';
    const names = new Set<string>();
    const seen = new Set<string>();
    if (settings.groupBase) {
      const { searchEntries } = await client.search(settings.groupBase, {
        scope: 'sub',
        filter: fillFilter(settings.groupFilter || DEFAULT_GROUP_FILTER, { dn: entry.dn, username }),
        sizeLimit: MAX_GROUPS,
        timeLimit: Math.ceil(settings.timeoutMs / 1000),
        derefAliases: 'never',
        attributes: [nameAttribute],
      });
      for (const group of searchEntries) {
        seen.add(group.dn.toLowerCase());
        const name = firstText(group, nameAttribute);
        if (name) names.add(name);
      }
    }
    // memberOf (Active Directory; OpenLDAP's memberof overlay) names group DNs; their names are read from them.
    const memberOf = valuesOf(entry, 'memberOf')
      .map(String)
      .filter((dn) => !seen.has(dn.toLowerCase()))
      .slice(0, Math.max(0, MAX_GROUPS - names.size));
    for (let start = 0; start < memberOf.length; start += GROUP_LOOKUP_BATCH) {
      const batch = memberOf.slice(start, start + GROUP_LOOKUP_BATCH);
      for (const name of await Promise.all(batch.map((dn) => this.groupName(client, dn, nameAttribute)))) {
        if (name) names.add(name);
      }
    }
    return [...names].sort();
  }

  private async groupName(client: Client, dn: string, attribute: string): Promise<string | null> {
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', sizeLimit: 1, attributes: [attribute] });
      return searchEntries.length > 0 ? firstText(searchEntries[0], attribute) : null;
    } catch (error) {
      if (error instanceof NoSuchObjectError || error instanceof InsufficientAccessError) return null;
      throw error;
    }
  }

  private async exists(client: Client, dn: string): Promise<boolean> {
    try {
      await client.search(dn, { scope: 'base', sizeLimit: 1, attributes: ['1.1'] });
      return true;
    } catch (error) {
      if (error instanceof NoSuchObjectError) return false;
      throw error;
    }
  }
}
