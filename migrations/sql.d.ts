/** SQL files are bundled as text (esbuild `text` loader, wrangler's Text rule, a vitest plugin). */
declare module '*.sql' {
  const sql: string;
  export default sql;
}
