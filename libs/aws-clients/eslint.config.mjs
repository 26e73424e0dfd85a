import libConfig from '../../eslint.lib.mjs';

export default [
  ...libConfig,
  {
    // The one place AWS clients are constructed.
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
];
