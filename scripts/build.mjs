// One build for every part: the window (React), headless mode and the engine process (plain Node), and the
// Electron shell (main + sandboxed preload). Plain Vite configs: each target is a few lines we own, with no
// wrapper that must keep pace with Vite's majors.
import { builtinModules } from 'node:module';
import { build } from 'vite';

const only = process.argv[2];
const nodeExternal = [
  'electron',
  'better-sqlite3',
  // headless mode's PDF printing loads it on demand; never bundled
  'playwright-core',
  // native (N-API) tunnel client: installed as a runtime dependency, unpacked from the asar
  '@ngrok/ngrok',
  // optional native speed-ups of ws; absent is fine
  'bufferutil',
  'utf-8-validate',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
];

/** A Node or Electron-main target: dependencies bundled (got and electron-store are ESM-only), natives external. */
function nodeTarget({ entry, outDir, format, fileName }) {
  return {
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: false,
      sourcemap: true,
      minify: false,
      rollupOptions: {
        input: entry,
        external: nodeExternal,
        // ASCII output (non-ASCII escaped): V8 keeps an all-ASCII source in one byte per character instead of two,
        // and the engine keeps its whole bundle in memory as source text.
        // ES targets load rarely used parts (the HTTP client's library, tunnels) as separate chunks on first use,
        // so an idle engine does not keep their source in memory; the CommonJS preload stays one file.
        output: {
          format,
          entryFileNames: fileName,
          chunkFileNames: 'chunks/[name]-[hash].js',
          codeSplitting: format === 'es',
          charset: 'ascii',
          comments: false,
        },
      },
    },
    ssr: { noExternal: true, external: ['better-sqlite3', 'electron'] },
  };
}

const targets = {
  renderer: () => build({ configFile: 'vite.config.ts', logLevel: 'warn' }),
  headless: () => build(nodeTarget({ entry: 'src-main/headless/main.ts', outDir: 'out/headless', format: 'es', fileName: 'main.js' })),
  engine: () => build(nodeTarget({ entry: 'src-main/engine/process.ts', outDir: 'out/engine', format: 'es', fileName: 'process.js' })),
  shell: () => build(nodeTarget({ entry: 'src-main/shell/main.ts', outDir: 'out/shell', format: 'es', fileName: 'main.js' })),
  preload: () => build(nodeTarget({ entry: 'src-main/shell/preload.ts', outDir: 'out/shell', format: 'cjs', fileName: 'preload.cjs' })),
};

for (const [name, run] of Object.entries(targets)) {
  if (only && only !== name) continue;
  const t = Date.now();
  await run();
  console.log(`built ${name} in ${Date.now() - t} ms`);
}
