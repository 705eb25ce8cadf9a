// Reading a credential into a URL and telling a cluster-internal host (noetl-contract §3, §6.1: the e2e
// pg_k8s credential points at postgres.postgres.svc.cluster.local; the ops bootstrap spells its keys
// host/port/user/database).
import { describe, expect, it } from 'vitest';
import { serviceOfHost } from '../src/targets/pg-host.js';
import { credentialUrl } from '../src/targets/databases.js';

describe('credentials and hosts', () => {
  it('reads both key spellings of a postgres credential', () => {
    expect(
      credentialUrl({
        db_host: 'postgres.postgres.svc.cluster.local',
        db_port: '5432',
        db_user: 'demo',
        db_password: 'p@ss/word',
        db_name: 'demo_noetl',
      }),
    ).toBe('postgres://demo:p%40ss%2Fword@postgres.postgres.svc.cluster.local:5432/demo_noetl');
    expect(
      credentialUrl({
        host: 'pgbouncer.postgres.svc.cluster.local',
        port: 6432,
        user: 'noetl',
        password: 'x',
        database: 'noetl',
      }),
    ).toBe('postgres://noetl:x@pgbouncer.postgres.svc.cluster.local:6432/noetl');
    expect(credentialUrl({ user: 'nobody' })).toBeUndefined();
  });

  it('forwards only cluster-internal service hosts', () => {
    expect(serviceOfHost('postgres.postgres.svc.cluster.local', '5432')).toEqual({
      namespace: 'postgres',
      resource: 'svc/postgres',
      port: 5432,
    });
    expect(serviceOfHost('pgbouncer.postgres.svc', 6432)).toEqual({
      namespace: 'postgres',
      resource: 'svc/pgbouncer',
      port: 6432,
    });
    expect(serviceOfHost('127.0.0.1', '5432')).toBeUndefined();
    expect(serviceOfHost('db.example.com', '5432')).toBeUndefined();
  });
});
