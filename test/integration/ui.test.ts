import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testEnv } from '../helpers/env';

test('the Temporal UI serves its page', async () => {
  const res = await fetch(testEnv.uiUrl);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<html/i);
  // The page is the UI's SvelteKit shell: its entry script must be served too.
  const entry = /href="(\/_app\/immutable\/entry\/start[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(entry, 'the page references the UI entry script');
  const js = await fetch(`${testEnv.uiUrl}${entry}`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
});

test('the Temporal UI lists the default namespace through its API', async () => {
  const res = await fetch(`${testEnv.uiUrl}/api/v1/namespaces`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { namespaces: { namespaceInfo: { name: string } }[] };
  const names = body.namespaces.map((n) => n.namespaceInfo.name);
  assert.ok(names.includes('default'), `namespaces: ${names.join(', ')}`);
});
