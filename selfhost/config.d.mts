export class ConfigError extends Error {}
export const VARIABLES: Record<string, { default: string | undefined; help: string }>;
export function readConfig(env?: Record<string, string | undefined>, cwd?: string): unknown;
export function decodeKey(text: string): Buffer | undefined;
