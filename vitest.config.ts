import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    // The CLI tests run the built CLI: build it first when it is missing or older than its sources.
    globalSetup: ['test/support/build-cli-setup.ts'],
    // Native modules (better-sqlite3, LanceDB, llama.cpp, onnxruntime) are safest in child processes.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
