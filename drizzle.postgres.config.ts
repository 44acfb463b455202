import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './worker/storage/schema/postgres.ts',
  out: './migrations/postgres',
});
