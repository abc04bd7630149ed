import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { pageIntegrity } from './client/build/vite-page-integrity.ts';

/**
 * The browser client. `npx vite build` writes dist/client, which the relay serves as static files under a
 * strict CSP (script-src 'self', style-src 'self'): no inline scripts or styles may appear in the output.
 */
export default defineConfig({
  root: 'client',
  base: '/',
  plugins: [preact({ devtoolsInProd: false, reactAliasesEnabled: false }), pageIntegrity()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    // No preload links made at run time: they would carry no integrity metadata, and Integrity-Policy
    // refuses such scripts. A lazy chunk is fetched by import(), checked against the page's import map.
    modulePreload: false,
    // One stylesheet, linked (with integrity) from index.html: no stylesheet is added at run time, unchecked.
    cssCodeSplit: false,
    // Never inline assets as data: URLs into CSS or JS; every asset is a file under 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev:client` proxies /relay to a relay started separately, which must accept the dev
    // server's origin in AUTH and on upgrade: `npm start -- --origin http://localhost:5173`.
    proxy: { '/relay': { target: 'ws://127.0.0.1:8080', ws: true } },
  },
});
