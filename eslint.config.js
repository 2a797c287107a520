// @ts-check
import { defineConfig, globalIgnores } from 'eslint/config'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'

/**
 * Imports the engine, the host, the web host and the CLI must never make: they are plain Node, shared by every
 * front end (only src/main, the Electron shell, imports electron).
 */
const UI_MESSAGE = 'src/engine, src/host, src/web and src/cli are plain Node: no Electron or UI imports.'
const UI_IMPORTS = {
  paths: ['electron', 'vue', 'pinia', 'echarts', 'vue-echarts'].map((name) => ({
    name,
    message: UI_MESSAGE
  })),
  patterns: [
    { group: ['electron/*', 'vue/*', '@vue/*', 'pinia/*', 'echarts/*', 'vue-echarts/*'], message: UI_MESSAGE }
  ]
}

/** The layers below the hosts never reach up into them. */
const HOST_PATTERNS = [
  {
    group: ['**/host', '**/host/**', '**/main', '**/main/**', '**/web', '**/web/**', '**/cli', '**/cli/**'],
    message: 'src/engine sits below the hosts and the CLI: it must not import them.'
  },
  {
    group: ['**/renderer/**', '**/preload/**'],
    message: 'The renderer and preload are separate processes: import the contract from src/shared instead.'
  }
]

export default defineConfig(
  globalIgnores([
    'out/',
    'dist/',
    'node_modules/',
    'runs/',
    'lab-data/',
    'tests/fixtures/',
    'test-results/',
    '.cache/'
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  // Formatting is Prettier's job.
  pluginVue.configs['no-layout-rules'],

  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } }
  },
  {
    files: ['src/renderer/**', 'tests/renderer/**'],
    languageOptions: { globals: globals.browser }
  },
  {
    files: [
      'bin/**',
      'src/main/**',
      'src/host/**',
      'src/engine/**',
      'src/cli/**',
      'src/web/**',
      'tests/**',
      'bench/**',
      'scripts/**',
      '*.config.*'
    ],
    languageOptions: { globals: globals.node }
  },
  {
    rules: {
      // TypeScript checks names; ESLint's rule does not know TS globals and types.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['bin/**/*.mjs', '**/*.js'],
    rules: { 'no-undef': 'error' }
  },

  {
    files: ['src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { ...UI_IMPORTS, patterns: [...UI_IMPORTS.patterns, ...HOST_PATTERNS] }
      ]
    }
  },
  {
    // The host (handlers, jobs, stores) serves both the Electron shell (src/main) and the web host (src/web).
    files: ['src/host/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...UI_IMPORTS,
          patterns: [
            ...UI_IMPORTS.patterns,
            {
              group: [
                '**/main',
                '**/main/**',
                '**/web',
                '**/web/**',
                '**/cli',
                '**/cli/**',
                '**/renderer/**',
                '**/preload/**'
              ],
              message:
                'src/host is used by src/main and src/web: it must not import them (or the CLI, renderer).'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/cli/**', 'src/web/**'],
    rules: { 'no-restricted-imports': ['error', UI_IMPORTS] }
  },
  {
    // The contract is types only and imported by every side, the renderer included.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'vue', 'pinia'].map((name) => ({
            name,
            message: 'src/shared is imported by every side.'
          })),
          patterns: [
            {
              group: [
                '**/engine',
                '**/engine/**',
                '**/main/**',
                '**/host/**',
                '**/preload/**',
                '**/renderer/**',
                '**/cli/**',
                '**/web/**'
              ],
              message:
                'src/shared must not depend on a side: declare the type here and let that side conform to it.'
            }
          ]
        }
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[importKind='value']:not([source.value='./methods'])",
          message: 'src/shared is types-only (its one table of values is ./methods): use `import type`.'
        }
      ]
    }
  }
)
