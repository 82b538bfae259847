/** Settings handed to test files by test/run.ts (the harness behind `npm test`). */
function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through \`npm test\` (test/run.ts starts Temporal and prepares the database).`);
  return v;
}

export const testEnv = {
  get temporalAddress(): string {
    return required('TEMPORAL_ADDRESS');
  },
  get uiUrl(): string {
    return required('PTT_TEST_UI_URL');
  },
  get databaseUrl(): string {
    return process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  },
  get templateDb(): string {
    return required('PTT_TEST_TEMPLATE_DB');
  },
};
