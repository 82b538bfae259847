import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderDynamicConfig, renderServerConfig, renderUiConfig, serverPorts, startDevArgs } from '../../src/devstack/temporal-config';

test('server config: SQLite file mode for persistence, in-memory otherwise, ports derived from the frontend', () => {
  const file = parse(renderServerConfig({ frontendPort: 7233, sqliteFile: '/d/t.sqlite', dynamicConfigFile: '/d/dc.yaml' }));
  const ds = file.persistence.datastores['sqlite-default'].sql;
  assert.equal(ds.pluginName, 'sqlite');
  assert.equal(ds.databaseName, '/d/t.sqlite');
  assert.equal(ds.connectAttributes.setup, 'true');
  assert.equal(ds.connectAttributes.journal_mode, 'wal');
  assert.equal(ds.connectAttributes.synchronous, '1', 'WAL with synchronous=NORMAL by default (the measured fastest safe setting)');
  const full = parse(renderServerConfig({ frontendPort: 7233, sqliteFile: '/d/t.sqlite', sqliteSync: 'full', dynamicConfigFile: '/d/dc.yaml' }));
  assert.equal(full.persistence.datastores['sqlite-default'].sql.connectAttributes.synchronous, '2');
  assert.equal(file.persistence.visibilityStore, 'sqlite-default');
  assert.equal(file.services.frontend.rpc.grpcPort, 7233);
  assert.equal(file.services.frontend.rpc.membershipPort, 6933);
  assert.equal(file.dynamicConfigClient.filepath, '/d/dc.yaml');
  const mem = parse(renderServerConfig({ frontendPort: 20000, dynamicConfigFile: '/d/dc.yaml' }));
  assert.equal(mem.persistence.datastores['sqlite-default'].sql.connectAttributes.mode, 'memory');
  assert.equal(mem.services.history.rpc.grpcPort, serverPorts(20000).history);
});

test('server config: postgres mode uses two postgres12 datastores with a connection pool', () => {
  const file = parse(
    renderServerConfig({
      frontendPort: 7233,
      sqliteFile: '/d/ignored.sqlite',
      dynamicConfigFile: '/d/dc.yaml',
      postgres: { host: 'db.local', port: 6543, user: 'temporal', password: 'p: "w#', database: 'temporal_7233', visibilityDatabase: 'temporal_visibility_7233' },
    }),
  );
  assert.equal(file.persistence.defaultStore, 'postgres-default');
  assert.equal(file.persistence.visibilityStore, 'postgres-visibility');
  assert.deepEqual(Object.keys(file.persistence.datastores).sort(), ['postgres-default', 'postgres-visibility']);
  const common = { pluginName: 'postgres12', connectAddr: 'db.local:6543', connectProtocol: 'tcp', user: 'temporal', password: 'p: "w#', maxConns: 20, maxIdleConns: 20, maxConnLifetime: '1h' };
  assert.deepEqual(file.persistence.datastores['postgres-default'].sql, { ...common, databaseName: 'temporal_7233' });
  assert.deepEqual(file.persistence.datastores['postgres-visibility'].sql, { ...common, databaseName: 'temporal_visibility_7233' });
  assert.equal(file.services.frontend.rpc.grpcPort, 7233);
  const noPassword = parse(renderServerConfig({ frontendPort: 7233, dynamicConfigFile: '/d/dc.yaml', postgres: { host: 'h', port: 5432, user: 'u', database: 'a', visibilityDatabase: 'b' } }));
  assert.equal(noPassword.persistence.datastores['postgres-default'].sql.password, '');
});

test('dynamic config turns the version check off and raises visibility rate limits', () => {
  const dc = parse(renderDynamicConfig());
  assert.equal(dc['frontend.enableServerVersionCheck'][0].value, false);
  assert.ok(dc['frontend.namespaceRPS.visibility'][0].value >= 100);
  assert.equal(dc['limit.maxIDLength'][0].value, 255);
});

test('UI config points at the frontend; start-dev args carry ports and db file', () => {
  const ui = parse(renderUiConfig({ frontendPort: 7233, uiPort: 8233 }));
  assert.equal(ui.temporalGrpcAddress, '127.0.0.1:7233');
  assert.equal(ui.port, 8233);
  const args = startDevArgs({ frontendPort: 7233, uiPort: 8233, sqliteFile: '/d/t.db' });
  assert.deepEqual(args.slice(0, 2), ['server', 'start-dev']);
  assert.equal(args[args.indexOf('--port') + 1], '7233');
  assert.equal(args[args.indexOf('--ui-port') + 1], '8233');
  assert.equal(args[args.indexOf('--db-filename') + 1], '/d/t.db');
  assert.ok(args.includes('frontend.enableServerVersionCheck=false'));
});
