import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/** React Fast Refresh injects an inline script in dev only; production keeps the strict CSP of the HTML files. */
function devCsp(): Plugin {
  return {
    name: 'notes-rag-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
  }
}

/** The renderer build: two windows (chat, quick-search); used by electron-vite and by `vite build` in tests. */
export default defineConfig({
  root,
  base: './',
  plugins: [react(), devCsp()],
  server: { host: '127.0.0.1' },
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        chat: fileURLToPath(new URL('./chat.html', import.meta.url)),
        'quick-search': fileURLToPath(new URL('./quick-search.html', import.meta.url)),
      },
    },
  },
})
