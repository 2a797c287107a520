import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { LongFirstSequencer } from './tests/helpers/sequencer'

export default defineConfig({
  plugins: [vue()],
  test: {
    // One worker per core (at least two): the long training-quality files are split so that they share them.
    maxWorkers: Math.max(2, availableParallelism()),
    // the long files first (a clean clone has no durations of a last run to order by)
    sequence: { sequencer: LongFirstSequencer },
    projects: [
      {
        test: {
          name: 'engine',
          include: [
            'tests/engine/**/*.test.ts',
            'tests/cli/**/*.test.ts',
            'tests/main/**/*.test.ts',
            'tests/host/**/*.test.ts',
            'tests/web/**/*.test.ts'
          ],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000
        }
      },
      {
        // Chromium (playwright-core) against the web host; skipped where /usr/bin/chromium is missing.
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // the renderer, built once for every e2e file (tests/helpers/workbench.ts opens it)
          globalSetup: ['tests/helpers/renderer-setup.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // A loaded 2-core machine can take longer than expect.poll's default 1 s to draw a chart or apply a
          // zoom; a longer wait only delays a real failure, it never hides one.
          expect: { poll: { timeout: 20_000 } }
        }
      },
      {
        extends: true,
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts'],
          environment: 'jsdom'
        }
      }
    ]
  }
})
