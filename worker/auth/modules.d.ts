/** Wasm files are imported as precompiled modules (workerd and wrangler CompiledWasm; a vitest plugin in Node). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** Text files are bundled as strings (esbuild text loader, wrangler's Text rule, a vitest plugin). */
declare module '*.txt' {
  const text: string;
  export default text;
}
