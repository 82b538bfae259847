// Lint rules that keep the architecture honest. `workflows/` runs inside Temporal's deterministic
// sandbox: no Node built-ins, no Prisma, no runtime imports of activities (types only).
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// The layers, bottom up: definitions (and errors, config, codec, db) -> prisma, runtime ->
// client, activities -> worker -> operations -> devstack, cli, dashboard, testing. A folder
// imports only from below it.
const above = {
  'src/definitions': ['runtime', 'prisma', 'client', 'worker', 'db', 'devstack', 'testing', 'cli', 'dashboard', 'operations', 'activities'],
  'src/db': ['runtime', 'prisma', 'client', 'worker', 'devstack', 'testing', 'cli', 'dashboard', 'operations', 'activities'],
  'src/prisma': ['runtime', 'client', 'worker', 'devstack', 'testing', 'cli', 'dashboard', 'operations', 'activities'],
  'src/runtime': ['prisma', 'client', 'worker', 'devstack', 'testing', 'cli', 'dashboard', 'operations', 'activities'],
  'src/client': ['worker', 'devstack', 'testing', 'cli', 'dashboard', 'operations', 'activities'],
  'activities': ['client', 'worker', 'devstack', 'testing', 'cli', 'dashboard', 'operations'],
  'src/worker': ['devstack', 'testing', 'cli', 'dashboard', 'operations'],
  'src/operations': ['devstack', 'testing', 'cli', 'dashboard'],
};
const layerRules = Object.entries(above).map(([folder, forbidden]) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: [`**/${dir}`, `**/${dir}/**`, ...(dir === 'activities' ? [] : [`**/src/${dir}/**`])],
          message: `${folder}/ sits below ${dir}/ (layers: definitions -> prisma, runtime -> client, activities -> worker -> operations -> devstack, cli, dashboard, testing): move the shared piece down, or the caller up.`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.tools/**', '.data/**', 'dist/**', 'scratch/**'] },
  ...tseslint.configs.recommended,
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' }, languageOptions: { globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } } },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // no import cycles anywhere in the library
  {
    files: ['src/**/*.ts', 'activities/**/*.ts', 'workflows/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...layerRules,
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
            { name: '@prisma/client', message: 'Workflows never touch the database: call an activity.' },
            { name: '@temporalio/activity', message: 'Activity code does not run in workflows.' },
            { name: '@temporalio/client', message: 'Use @temporalio/workflow APIs in workflows.' },
            { name: '@temporalio/worker', message: 'Use @temporalio/workflow APIs in workflows.' },
          ],
          patterns: [
            { group: ['**/generated/**', '@prisma/*', 'pg', 'prisma'], message: 'Workflows never touch the database: call an activity.' },
            { group: ['../src/**', '../../src/**', '../src', '../../src'], message: 'Workflow code is bundled alone: keep shared pure modules in workflows/ and import src/ as types only.', allowTypeImports: true },
            { group: ['../activities/**', '../../activities/**', '../activities', '../../activities'], message: 'Import activities as types only.', allowTypeImports: true },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'process', message: 'No process access in workflows.' }],
    },
  },
);
