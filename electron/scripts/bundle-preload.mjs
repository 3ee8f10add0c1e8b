/* global URL */
// Electron loads a sandboxed preload as one CommonJS file that may require nothing but 'electron';
// tsc's output (ESM, importing ../common) is bundled into dist/preload/preload.cjs.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: `${dist}preload`,
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    lib: { entry: `${dist}preload/preload.js`, formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
