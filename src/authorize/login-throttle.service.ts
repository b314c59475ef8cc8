import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const WINDOW_SECONDS = 15 * 60;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_IP = 100;

// Failures are counted in PostgreSQL so every server process enforces the same limits (OWASP ASVS 2.2.1).
@Injectable()
export class LoginThrottleService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async isBlocked(username: string, ip: string): Promise<boolean> {
    const rows: Array<{ account: number; address: number }> = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE throttle_key = $1)::int AS account, count(*) FILTER (WHERE throttle_key = $2)::int AS address
         FROM login_failures WHERE throttle_key IN ($1, $2) AND created_at > now() - make_interval(secs => $3)`,
      [accountKey(username), ipKey(ip), WINDOW_SECONDS],
    );
    return (rows[0]?.account ?? 0) >= MAX_FAILURES_PER_ACCOUNT || (rows[0]?.address ?? 0) >= MAX_FAILURES_PER_IP;
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO login_failures (throttle_key) VALUES ($1), ($2)`, [accountKey(username), ipKey(ip)]);
  }

  async clearAccount(username: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE throttle_key = $1`, [accountKey(username)]);
  }

  async purgeOld(): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE created_at < now() - make_interval(secs => $1)`, [WINDOW_SECONDS]);
  }
}

function accountKey(username: string): string {
  return `account:${username.trim().toLowerCase()}`;
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
