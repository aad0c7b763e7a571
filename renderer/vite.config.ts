import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/**
 * In dev only: React Fast Refresh injects an inline script, and Vite's HMR socket and the dev:web bridge listen on
 * other loopback ports. Builds keep the HTML files' CSP, which is the header's (a test compares them).
 */
function devCsp(): Plugin {
  return {
    name: 'notes-rag-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws://127.0.0.1:* ws://localhost:*"),
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
