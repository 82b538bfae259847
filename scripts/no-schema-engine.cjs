#!/usr/bin/env node
// Placeholder for Prisma's native schema engine, which cannot be downloaded on an offline machine.
// `prisma generate` only checks that PRISMA_SCHEMA_ENGINE_BINARY exists; it never runs it.
// Migrations are applied by this project's own runner: `npm run db:migrate`.
process.stderr.write(
  'The native Prisma schema engine is not installed (offline setup).\n' +
    'Apply migrations with `npm run db:migrate`. To create a new migration, set PRISMA_SCHEMA_ENGINE_BINARY\n' +
    'to a working schema engine and run `npx prisma migrate dev`.\n',
);
process.exit(1);
