import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console UI is loaded from files by Electron and from the web host by browsers: relative asset URLs
// work for both.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // recharts and Fluent UI are large; the console is a desktop app loaded from disk, not a website.
    chunkSizeWarningLimit: 2000,
  },
});
