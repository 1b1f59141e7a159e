// ESLint flat config. General rules stay light (recommended sets, no type-aware rules); the important
// part is the purity fence around the core zones (ARCHITECTURE.md §2, code-models.md §10 rule 1):
// pure code may not reach the clock, timers, randomness, the process, Buffer, or any Node builtin or pino,
// so the same cores run under a simulated clock and network, and in a browser.

import { builtinModules } from 'node:module';

import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The pure zones. Their tests (*.test.ts) may use node:fs for fixtures and are exempt. */
export const PURE_ZONES = [
  'client/protocol/**/*.ts',
  'client/common/**/*.ts',
  'zookeeper-ensemble/jute/**/*.ts',
  'zookeeper-ensemble/core/**/*.ts',
  'broker/controller/**/*.ts',
  'broker/replica/**/*.ts',
  'broker/group/**/*.ts',
];

const WHY =
  'pure zone (ARCHITECTURE.md §2: time comes from tick(nowMs), randomness from an injected PRNG, I/O from shells)';

const bareBuiltins = builtinModules.filter((name) => !name.startsWith('_') && !name.startsWith('node:'));
const forbiddenModulePattern = `^(node:.*|${bareBuiltins.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})(/.*)?$|^pino(/.*)?$|^pino-pretty$`;

const restrictedGlobals = [
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'process',
  'Buffer',
  'require',
].map((name) => ({ name, message: `${name} is not allowed in a ${WHY}.` }));

const restrictedProperties = [
  ['Date', 'now'],
  ['performance', 'now'],
  ['Math', 'random'],
  ['crypto', 'randomUUID'],
  ['crypto', 'getRandomValues'],
  ...restrictedGlobals.map(({ name }) => ['globalThis', name]),
  ['globalThis', 'performance'],
  ['globalThis', 'crypto'],
].map(([object, property]) => ({
  object,
  property,
  message: `${object}.${property} is not allowed in a ${WHY}.`,
}));

export default defineConfig(
  {
    ignores: ['node_modules/**', 'data/**', 'coverage/**', 'bench-results/**', '.vitest-cache/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: {
        // Node 24 and browser globals that our code may legitimately use outside the pure zones.
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        fetch: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      // Kept light on purpose: style-level findings warn, they do not fail `npm run check`.
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-useless-assignment': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // The dashboard page: plain ES modules served as they are to the browser (no build step).
    files: ['deploy/dashboard/public/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        localStorage: 'readonly',
        EventSource: 'readonly',
        Element: 'readonly',
      },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', exports: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: PURE_ZONES,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: forbiddenModulePattern,
              message: `Node builtins and pino are not allowed in a ${WHY}.`,
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...restrictedGlobals],
      'no-restricted-properties': ['error', ...restrictedProperties],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name="Date"][arguments.length=0]',
          message: `new Date() reads the clock, which is not allowed in a ${WHY}.`,
        },
        {
          selector: 'CallExpression[callee.name="Date"]',
          message: `Date() reads the clock, which is not allowed in a ${WHY}.`,
        },
        {
          selector: 'ImportExpression',
          message: `dynamic import() is not allowed in a ${WHY}.`,
        },
      ],
    },
  },
);
