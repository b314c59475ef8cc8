import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './oauth-exception.filter';

describe('isDatabaseUnavailable', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it.each([
    ['refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['AggregateError of refusals', Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''), {})],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['admin shutdown 57P01', withCode('terminating connection due to administrator command', '57P01')],
    ['cannot connect now 57P03', withCode('the database system is starting up', '57P03')],
    ['connection exception 08006', withCode('connection failure', '08006')],
    ['QueryFailedError wrapping 57P01', new QueryFailedError('SELECT 1', [], withCode('terminating connection', '57P01'))],
    ['a closed client', new Error('Client was closed and is not queryable')],
    ['a released query runner', new Error('Query runner already released. Cannot run queries anymore.')],
    ['an aborted socket', withCode('write ECONNABORTED', 'ECONNABORTED')],
  ])('classifies %s as unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['unique violation', new QueryFailedError('INSERT', [], withCode('duplicate key value', '23505'))],
    ['syntax error', withCode('syntax error at or near', '42601')],
    ['plain error', new Error('boom')],
    ['undefined', undefined],
  ])('does not classify %s as unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
