import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { setDefaultNames } from '../../src/cli/set-default-names';
import { defineApp, defineResource } from '../../src/definitions/define';
import type { App, Resource } from '../../src/definitions/define';
import { defaultSchedulerWorkflowType, defaultWorkflowType } from '../../src/definitions/names';
import { nameWarnings } from '../../src/worker/create-worker';

/** Syntax errors of `text` parsed as a TypeScript module (empty when it parses). */
function syntaxErrors(text: string): string[] {
  const { diagnostics = [] } = ts.transpileModule(text, { fileName: 'check.ts', reportDiagnostics: true });
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/**
 * Transpiles `source` and evaluates it with the real `defineResource`/`defineApp` standing in for
 * every import, then builds an app of every exported resource.
 */
function evaluate(source: string): App {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  const fakeRequire = (): unknown => ({ defineResource, defineApp });
  new Function('require', 'exports', 'module', js)(fakeRequire, module.exports, module);
  const resources = Object.values(module.exports).filter((v): v is Resource => typeof v === 'object' && v !== null && 'triggers' in v);
  return defineApp({ name: 'test', resources });
}

/** The stable names an app resolves to, by trigger or scheduled action id. */
function resolvedNames(app: App): Record<string, string[]> {
  return Object.fromEntries([
    ...app.triggers.map((t) => [t.id, [t.workflowType, t.schedulerWorkflowType]] as const),
    ...app.scheduledActions.map((a) => [a.id, [a.workflowType]] as const),
  ]);
}

/** Asserts a second run changes nothing. */
function assertIdempotent(text: string): void {
  const again = setDefaultNames(text);
  assert.equal(again.text, text);
  assert.deepEqual(again.added, []);
}

const FULL = `import { defineResource, defineApp } from 'prisma-temporal-triggers';

type TicketRow = { id: string; status: string };

const action = async (): Promise<void> => undefined;

/** Tickets. */
export const Ticket = defineResource<TicketRow>({
  model: 'Ticket',
  triggers: {
    // Processes open tickets.
    process: {
      where: { status: 'open' }, // only open ones
      action,
    },
    'escalate': { where: { status: 'late' }, action },
    archive: {
      schedulerCron: false,
      action: async (ticket) => {
        /* nothing yet */
        void ticket;
      },
    },
    renamed: {
      workflowType: 'Ticket.oldName',
      action,
    },
  },
  scheduledActions: {
    cleanup: {
      cron: '@daily',
      action: async () => undefined,
    },
  },
});

export const Invoice = defineResource({
  model: 'Invoice',
  primaryKey: ['tenantId', 'number'],
  triggers: { send: { action } },
});
`;

describe('setDefaultNames: rewriting', () => {
  test('inserts the missing names into multi-line objects, after the brace, with their indentation', () => {
    const src = `defineResource({
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open' },
      action,
    },
  },
});
`;
    const { text, added } = setDefaultNames(src);
    assert.equal(
      text,
      `defineResource({
  model: 'Ticket',
  triggers: {
    process: {
      workflowType: 'Ticket.process',
      schedulerWorkflowType: 'Ticket.process.scheduler',
      where: { status: 'open' },
      action,
    },
  },
});
`,
    );
    assert.deepEqual(added, [
      { path: 'Ticket.triggers.process', option: 'workflowType', value: 'Ticket.process' },
      { path: 'Ticket.triggers.process', option: 'schedulerWorkflowType', value: 'Ticket.process.scheduler' },
    ]);
    assertIdempotent(text);
  });

  test('inserts inline into single-line objects', () => {
    const src = `defineResource({ model: 'Ticket', triggers: { process: { action: x }, tight: {action: x}, none: {} } });\n`;
    const { text } = setDefaultNames(src);
    assert.equal(
      text,
      `defineResource({ model: 'Ticket', triggers: { ` +
        `process: { workflowType: 'Ticket.process', schedulerWorkflowType: 'Ticket.process.scheduler', action: x }, ` +
        `tight: { workflowType: 'Ticket.tight', schedulerWorkflowType: 'Ticket.tight.scheduler', action: x}, ` +
        `none: { workflowType: 'Ticket.none', schedulerWorkflowType: 'Ticket.none.scheduler' } } });\n`,
    );
    assertIdempotent(text);
  });

  test('uses double quotes when the model literal does', () => {
    const src = `defineResource({\n  model: "Order",\n  triggers: {\n    ship: {\n      action: x,\n    },\n  },\n});\n`;
    const { text } = setDefaultNames(src);
    assert.equal(text, `defineResource({\n  model: "Order",\n  triggers: {\n    ship: {\n      workflowType: "Order.ship",\n      schedulerWorkflowType: "Order.ship.scheduler",\n      action: x,\n    },\n  },\n});\n`);
    assertIdempotent(text);
  });

  test('reads string-literal (and computed string) keys, and recognises quoted existing options', () => {
    const src = `defineResource({
  'model': 'Ticket',
  'triggers': {
    'process': {
      action: x,
    },
    ["close"]: {
      'workflowType': 'Ticket.close',
      action: x,
    },
  },
});
`;
    const { text, added } = setDefaultNames(src);
    assert.deepEqual(added, [
      { path: 'Ticket.triggers.process', option: 'workflowType', value: 'Ticket.process' },
      { path: 'Ticket.triggers.process', option: 'schedulerWorkflowType', value: 'Ticket.process.scheduler' },
      { path: 'Ticket.triggers.close', option: 'schedulerWorkflowType', value: 'Ticket.close.scheduler' },
    ]);
    assert.match(text, /'process': \{\n {6}workflowType: 'Ticket\.process',\n {6}schedulerWorkflowType: 'Ticket\.process\.scheduler',\n {6}action: x,/);
    assert.match(text, /\["close"\]: \{\n {6}schedulerWorkflowType: 'Ticket\.close\.scheduler',\n {6}'workflowType': 'Ticket\.close',/);
    assertIdempotent(text);
  });

  test('adds only what is missing, including for schedulerCron: false and objects with spreads', () => {
    const src = `defineResource({
  model: 'Ticket',
  triggers: {
    a: {
      workflowType: 'Custom.a',
      action: x,
    },
    b: {
      schedulerWorkflowType: 'Custom.b.scheduler',
      action: x,
    },
    c: {
      workflowType: 'Custom.c',
      schedulerWorkflowType: 'Custom.c.scheduler',
      action: x,
    },
    d: {
      schedulerCron: false,
      action: x,
    },
    e: {
      ...common,
      action: x,
    },
  },
});
`;
    const { added } = setDefaultNames(src);
    assert.deepEqual(
      added.map((a) => `${a.path} ${a.option}=${a.value}`),
      [
        'Ticket.triggers.a schedulerWorkflowType=Ticket.a.scheduler',
        'Ticket.triggers.b workflowType=Ticket.b',
        'Ticket.triggers.d workflowType=Ticket.d',
        'Ticket.triggers.d schedulerWorkflowType=Ticket.d.scheduler',
        'Ticket.triggers.e workflowType=Ticket.e',
        'Ticket.triggers.e schedulerWorkflowType=Ticket.e.scheduler',
      ],
    );
  });

  test('scheduled actions get a workflowType (and no scheduler name)', () => {
    const src = `defineResource({
  model: 'Report',
  scheduledActions: {
    nightly: {
      cron: '0 3 * * *',
      action: run,
    },
    hourly: { cron: '@hourly', action: run },
    named: { workflowType: 'Report.named', cron: '@daily', action: run },
  },
});
`;
    const { text, added } = setDefaultNames(src);
    assert.deepEqual(added, [
      { path: 'Report.scheduledActions.nightly', option: 'workflowType', value: 'Report.nightly' },
      { path: 'Report.scheduledActions.hourly', option: 'workflowType', value: 'Report.hourly' },
    ]);
    assert.ok(text.includes(`    nightly: {\n      workflowType: 'Report.nightly',\n      cron: '0 3 * * *',`));
    assert.ok(text.includes(`hourly: { workflowType: 'Report.hourly', cron: '@hourly', action: run },`));
    assert.ok(!text.includes('scheduler'));
    assertIdempotent(text);
  });

  test('keeps comments and formatting: the output is the input plus the inserted lines', () => {
    const { text, added } = setDefaultNames(FULL);
    assert.equal(added.length, 10);
    const inserted = new Set(added.map((a) => `${a.option}: '${a.value}',`));
    const kept = text
      .split('\n')
      .filter((line) => !inserted.has(line.trim()))
      .join('\n')
      .replace(" workflowType: 'Ticket.escalate', schedulerWorkflowType: 'Ticket.escalate.scheduler',", '')
      .replace(" workflowType: 'Invoice.send', schedulerWorkflowType: 'Invoice.send.scheduler',", '');
    assert.equal(kept, FULL);
    for (const comment of ['// Processes open tickets.', '// only open ones', '/* nothing yet */', '/** Tickets. */']) assert.ok(text.includes(comment), comment);
  });

  test('a trailing line comment after the brace stays on the brace line', () => {
    const src = `defineResource({\n  model: 'Ticket',\n  triggers: {\n    process: { // the main one\n      action: x,\n    },\n  },\n});\n`;
    const { text } = setDefaultNames(src);
    assert.ok(text.includes(`    process: { // the main one\n      workflowType: 'Ticket.process',\n      schedulerWorkflowType: 'Ticket.process.scheduler',\n      action: x,`), text);
    assertIdempotent(text);
  });

  test('empty multi-line objects are indented one level deeper than the brace line; tabs and CRLF are kept', () => {
    const spaces = setDefaultNames(`defineResource({\n  model: 'T',\n  triggers: {\n    a: {\n    },\n  },\n});\n`).text;
    assert.ok(spaces.includes(`    a: {\n      workflowType: 'T.a',\n      schedulerWorkflowType: 'T.a.scheduler',\n    },`), spaces);
    const tabs = setDefaultNames(`defineResource({\r\n\tmodel: 'T',\r\n\ttriggers: {\r\n\t\ta: {\r\n\t\t\taction: x,\r\n\t\t},\r\n\t},\r\n});\r\n`).text;
    assert.equal(tabs, `defineResource({\r\n\tmodel: 'T',\r\n\ttriggers: {\r\n\t\ta: {\r\n\t\t\tworkflowType: 'T.a',\r\n\t\t\tschedulerWorkflowType: 'T.a.scheduler',\r\n\t\t\taction: x,\r\n\t\t},\r\n\t},\r\n});\r\n`);
  });

  test('idempotent on a whole file', () => {
    const once = setDefaultNames(FULL);
    assert.notEqual(once.text, FULL);
    assertIdempotent(once.text);
  });

  test('finds x.defineResource, aliased imports, and arguments wrapped in `as`/`satisfies`', () => {
    const src = `import * as ptt from 'prisma-temporal-triggers';
import { defineResource as resource } from 'prisma-temporal-triggers';
export const A = ptt.defineResource({ model: 'A', triggers: { t: { action: x } } });
export const B = resource({ model: 'B', triggers: { t: { action: x } as Trig } } satisfies Def);
`;
    const { added } = setDefaultNames(src);
    assert.deepEqual([...new Set(added.map((a) => a.path))], ['A.triggers.t', 'B.triggers.t']);
  });

  test('leaves alone what it cannot resolve statically', () => {
    const src = `defineResource(definition);
defineResource({ model: modelName, triggers: { t: { action: x } } });
defineResource({ model: 'T', triggers: someTriggers });
defineResource({ model: 'T', triggers: { t: makeTrigger(), ...more, [key]: { action: x } } });
somethingElse({ model: 'T', triggers: { t: { action: x } } });
`;
    const { text, added } = setDefaultNames(src);
    assert.equal(text, src);
    assert.deepEqual(added, []);
  });

  test('a file without defineResource is returned unchanged', () => {
    const src = `// nothing here\nexport const x = { model: 'Ticket', triggers: { process: { action: () => 1 } } };\n`;
    const { text, added } = setDefaultNames(src);
    assert.equal(text, src);
    assert.deepEqual(added, []);
  });

  test('refuses a file that does not parse', () => {
    assert.throws(() => setDefaultNames(`defineResource({ model: 'T', triggers: { t: { action: x } }`, 'broken.ts'), /broken\.ts\(1,\d+\)/);
  });
});

describe('setDefaultNames: the rewritten definitions', () => {
  test('still parse, and resolve to the same names, now all explicit', () => {
    const { text, added } = setDefaultNames(FULL);
    assert.deepEqual(syntaxErrors(text), []);

    const before = evaluate(FULL);
    const after = evaluate(text);
    assert.ok(nameWarnings(before).length > 0);
    assert.deepEqual(nameWarnings(after), []);
    assert.deepEqual(resolvedNames(after), resolvedNames(before));

    for (const t of after.triggers) {
      assert.deepEqual(t.explicit, { workflowType: true, schedulerWorkflowType: true }, t.id);
      if (t.id !== 'Ticket.renamed') assert.equal(t.workflowType, defaultWorkflowType(t.resource.model, t.name));
      assert.equal(t.schedulerWorkflowType, defaultSchedulerWorkflowType(t.resource.model, t.name));
    }
    for (const a of after.scheduledActions) {
      assert.deepEqual(a.explicit, { workflowType: true });
      assert.equal(a.workflowType, defaultWorkflowType(a.resource.model, a.name));
    }
    assert.equal(after.trigger('Ticket.renamed').workflowType, 'Ticket.oldName');
    assert.ok(!added.some((a) => a.path === 'Ticket.triggers.renamed' && a.option === 'workflowType'));
  });
});
