import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Offline: `prisma generate` refuses to run unless a schema engine binary exists, and the native one
// cannot be downloaded here. Generation never executes it, so point at a stub that explains itself.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'scripts/no-schema-engine.cjs');
process.env.CHECKPOINT_DISABLE ??= '1';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
