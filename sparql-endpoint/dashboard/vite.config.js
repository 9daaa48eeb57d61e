import { defineConfig, searchForWorkspaceRoot } from 'vite';

// Relative asset URLs: the C++ endpoint serves dist/ at `/`, but nothing assumes that.
export default defineConfig({
  base: './',
  // The canned queries live in the repository's ontology/queries/, outside this project:
  // the build bundles them (import.meta.glob in src/views/yasgui.js); `vite` (dev) may serve them.
  server: { fs: { allow: [searchForWorkspaceRoot(process.cwd()), '../../ontology/queries'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500, // YASGUI alone is ~1.5 MB minified
    assetsInlineLimit: 0,
    sourcemap: false,
    // YASGUI's CSS carries old IE hacks (*zoom, *margin) that esbuild's minifier warns about.
    cssMinify: false,
  },
});
