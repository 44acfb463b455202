export const ROOT: string;
export const workerBuildOptions: import('esbuild').BuildOptions;
export function needsBuild(): boolean;
export function buildWorker(): Promise<void>;
export function buildClient(): Promise<void>;
export function buildAll(): Promise<void>;
export function watchWorker(): Promise<import('esbuild').BuildContext>;
