// ESLint for the admin page's JavaScript (static/) and this browser test; run from the
// repository root: tests/e2e/node_modules/.bin/eslint -c tests/e2e/eslint.config.mjs static tests/e2e
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['tests/e2e/node_modules/**'] },
  js.configs.recommended,
  {
    files: ['static/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_' }], eqeqeq: 'error' },
  },
  {
    files: ['tests/e2e/**/*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
];
