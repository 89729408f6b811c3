import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeModules = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        performance: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
        WebSocket: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The engine and the shared contract run outside Electron (headless mode, tests, the utility process).
    files: ['src-main/engine/**', 'src-main/headless/**', 'src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine never imports electron: put Electron code in src-main/shell.' }] },
      ],
    },
  },
  {
    // src-shared is loaded by the window too: nothing Node-only.
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'src-shared runs everywhere: no electron.' },
            ...nodeModules.map((name) => ({ name, message: 'src-shared runs in the window too: no Node modules.' })),
          ],
        },
      ],
    },
  },
  {
    // The window knows one thing: the API contract in src-shared.
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The window talks to the engine only through the API in src-shared.' },
            ...['better-sqlite3', 'got', 'ws', 'busboy', 'electron-store'].map((name) => ({
              name,
              message: 'Node-side library: the window uses the API in src-shared.',
            })),
            ...nodeModules.map((name) => ({ name, message: 'The window has no Node: use the API in src-shared.' })),
          ],
          patterns: [{ group: ['**/src-main/**', '../src-main/*'], message: 'The window never imports main-process code.' }],
        },
      ],
    },
  },
);
