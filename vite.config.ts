import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The window: one React app, served by the headless bridge or loaded by the Electron shell from disk. */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
  },
});
