/**
 * `set-default-names`: AshOban's `mix ash_oban.set_default_module_names`. Rewrites a TypeScript
 * source file so every trigger and scheduled action of every `defineResource({...})` call states
 * its stable names (`workflowType`, and `schedulerWorkflowType` for triggers) explicitly, with the
 * defaults the library would otherwise derive. Renaming a resource or trigger afterwards then no
 * longer changes the names its Schedules and running workflows are known by.
 *
 * Only insertions are made: every other byte of the file (comments, formatting) is kept. Running
 * it on its own output changes nothing. CLI-only: it needs the `typescript` package.
 */
import ts from 'typescript';
import { defaultSchedulerWorkflowType, defaultWorkflowType } from '../definitions/names';

export interface AddedName {
  /** `Ticket.triggers.process` or `Ticket.scheduledActions.cleanup`. */
  path: string;
  /** `workflowType` or `schedulerWorkflowType`. */
  option: string;
  /** The value written, e.g. `Ticket.process.scheduler`. */
  value: string;
}

export interface SetDefaultNamesResult {
  /** The rewritten source (identical to the input when nothing was missing). */
  text: string;
  /** Every property inserted, in source order. */
  added: AddedName[];
}

interface Insertion {
  pos: number;
  text: string;
}

type Quote = "'" | '"';

/**
 * Writes the default stable names into every `defineResource({ model: '…', … })` call of
 * `sourceText` (also `x.defineResource(…)` and `import { defineResource as alias }`) that lacks
 * them. Throws when the source does not parse, rather than rewriting a broken file.
 */
export function setDefaultNames(sourceText: string, fileName = 'definitions.ts'): SetDefaultNamesResult {
  assertParses(sourceText, fileName, 'cannot rewrite');
  const sf = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.Latest, true);
  const newline = sourceText.includes('\r\n') ? '\r\n' : '\n';
  const calleeNames = defineResourceNames(sf);
  const insertions: Insertion[] = [];
  const added: AddedName[] = [];

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isDefineResourceCallee(node.expression, calleeNames)) {
      const arg = node.arguments[0] && unwrap(node.arguments[0]);
      if (arg && ts.isObjectLiteralExpression(arg)) processResource(arg);
    }
    ts.forEachChild(node, visit);
  };

  const processResource = (resource: ts.ObjectLiteralExpression): void => {
    const modelProp = lastProperty(resource, 'model');
    if (!modelProp || !ts.isStringLiteralLike(modelProp.initializer)) return;
    const model = modelProp.initializer.text;
    const quote: Quote = sourceText.charAt(modelProp.initializer.getStart(sf)) === '"' ? '"' : "'";

    const sections: { key: 'triggers' | 'scheduledActions'; names: (name: string) => [string, string][] }[] = [
      {
        key: 'triggers',
        names: (name) => [
          ['workflowType', defaultWorkflowType(model, name)],
          ['schedulerWorkflowType', defaultSchedulerWorkflowType(model, name)],
        ],
      },
      { key: 'scheduledActions', names: (name) => [['workflowType', defaultWorkflowType(model, name)]] },
    ];
    for (const section of sections) {
      const prop = lastProperty(resource, section.key);
      const entries = prop && unwrap(prop.initializer);
      if (!entries || !ts.isObjectLiteralExpression(entries)) continue;
      for (const entry of entries.properties) {
        if (!ts.isPropertyAssignment(entry)) continue;
        const name = propertyNameText(entry.name);
        const obj = unwrap(entry.initializer);
        if (name === undefined || !ts.isObjectLiteralExpression(obj)) continue;
        const present = new Set(obj.properties.map((p) => (ts.isSpreadAssignment(p) ? undefined : propertyNameText(p.name))));
        const missing = section.names(name).filter(([option]) => !present.has(option));
        if (!missing.length) continue;
        insertions.push(insertionFor(obj, missing.map(([option, value]) => `${option}: ${quoteString(value, quote)}`)));
        for (const [option, value] of missing) added.push({ path: `${model}.${section.key}.${name}`, option, value });
      }
    }
  };

  /** Where and what to insert so `props` become the first properties of `obj`. */
  const insertionFor = (obj: ts.ObjectLiteralExpression, props: string[]): Insertion => {
    const brace = obj.getStart(sf);
    const afterBrace = brace + 1;
    const first = obj.properties[0];
    const nextTokenPos = first ? first.getStart(sf) : obj.end - 1;
    const braceLine = lineOf(sf, brace);
    if (lineOf(sf, nextTokenPos) === braceLine) {
      // `{ action: x }`: inline, after the brace.
      const spaceFollows = /\s/.test(sourceText.charAt(afterBrace));
      const body = first ? `${props.join(', ')},` : props.join(', ');
      return { pos: afterBrace, text: ` ${body}${spaceFollows ? '' : ' '}` };
    }
    const indent = first ? leadingWhitespace(sourceText, lineStart(sf, nextTokenPos)) : nestedIndent(leadingWhitespace(sourceText, lineStart(sf, brace)));
    // After a `// comment` that ends the brace's line, so the comment stays on the brace's line.
    let pos = afterBrace;
    for (const c of ts.getTrailingCommentRanges(sourceText, afterBrace) ?? []) {
      if (c.kind === ts.SyntaxKind.SingleLineCommentTrivia || lineOf(sf, c.end) === braceLine) pos = c.end;
    }
    if (lineOf(sf, pos) !== braceLine) pos = afterBrace;
    return { pos, text: props.map((p) => `${newline}${indent}${p},`).join('') };
  };

  visit(sf);
  if (!insertions.length) return { text: sourceText, added };

  let text = sourceText;
  for (const ins of [...insertions].sort((a, b) => b.pos - a.pos)) text = text.slice(0, ins.pos) + ins.text + text.slice(ins.pos);
  assertParses(text, fileName, 'internal error: the rewritten source does not parse');
  return { text, added };
}

/** Local names `defineResource` is called by: itself, plus aliases from `import { defineResource as x }`. */
function defineResourceNames(sf: ts.SourceFile): Set<string> {
  const names = new Set(['defineResource']);
  for (const stmt of sf.statements) {
    const bindings = ts.isImportDeclaration(stmt) ? stmt.importClause?.namedBindings : undefined;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) {
      if (el.propertyName && propertyNameText(el.propertyName) === 'defineResource') names.add(el.name.text);
    }
  }
  return names;
}

function isDefineResourceCallee(expr: ts.Expression, names: Set<string>): boolean {
  if (ts.isIdentifier(expr)) return names.has(expr.text);
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text === 'defineResource';
  return false;
}

/** Strips parentheses, `as T`, `satisfies T`, `<T>x` and `x!`. */
function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

/** The last `key: value` property (the one that wins at runtime), if any. */
function lastProperty(obj: ts.ObjectLiteralExpression, key: string): ts.PropertyAssignment | undefined {
  let found: ts.PropertyAssignment | undefined;
  for (const p of obj.properties) if (ts.isPropertyAssignment(p) && propertyNameText(p.name) === key) found = p;
  return found;
}

/** The runtime key of a property name: `process`, `'process'`, `["process"]`, `1`; undefined when computed. */
function propertyNameText(name: ts.PropertyName | ts.ModuleExportName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteralLike(name)) return name.text;
  if (ts.isNumericLiteral(name)) return String(Number(name.text));
  if (ts.isComputedPropertyName(name)) {
    const e = unwrap(name.expression);
    if (ts.isStringLiteralLike(e)) return e.text;
    if (ts.isNumericLiteral(e)) return String(Number(e.text));
  }
  return undefined;
}

function quoteString(value: string, quote: Quote): string {
  const escaped = value.replace(/[\\\n\r\u2028\u2029'"]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\u2028') return '\\u2028';
    if (c === '\u2029') return '\\u2029';
    return c === quote ? `\\${c}` : c;
  });
  return `${quote}${escaped}${quote}`;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line;
}

function lineStart(sf: ts.SourceFile, pos: number): number {
  return sf.getPositionOfLineAndCharacter(lineOf(sf, pos), 0);
}

function leadingWhitespace(text: string, from: number): string {
  let end = from;
  while (text[end] === ' ' || text[end] === '\t') end++;
  return text.slice(from, end);
}

/** One level deeper than `indent`: a tab for tab-indented files, else two spaces. */
function nestedIndent(indent: string): string {
  return indent.length > 0 && !indent.includes(' ') ? `${indent}\t` : `${indent}  `;
}

function assertParses(text: string, fileName: string, what: string): void {
  const { diagnostics = [] } = ts.transpileModule(text, { fileName, reportDiagnostics: true, compilerOptions: {} });
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (!errors.length) return;
  const shown = errors.slice(0, 5).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${fileName}${where ? `(${where.line + 1},${where.character + 1})` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  throw new Error(`set-default-names: ${what}:\n${shown.join('\n')}`);
}
