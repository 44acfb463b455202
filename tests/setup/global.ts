/**
 * Runs once before the whole suite: builds the worker and client (so every server a test starts
 * runs the current code without rebuilding) and provides a real PostgreSQL database.
 */
import type { TestProject } from 'vitest/node';
import 'vitest';
import { startTestPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const { buildAll } = await import('../../scripts/build.mjs');
  await buildAll();
  const pg = await startTestPostgres();
  project.provide('postgresUrl', pg.url);
  return async () => {
    await pg.stop();
  };
}
