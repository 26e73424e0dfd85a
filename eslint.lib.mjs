import baseConfig from './eslint.config.mjs';

// What every library adds to the base config: its package.json must declare the packages its source imports, so
// a lib that is bundled or pinned elsewhere never leans on a dependency hoisted by another project.
export default [
  ...baseConfig,
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        { ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}', '{projectRoot}/tests/**/*'] },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
  {
    ignores: ['**/out-tsc'],
  },
];
