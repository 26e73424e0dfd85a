import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    // pinned/: generated copies of workspace libs (tools/deploy pin), reviewed as a unit, not linted.
    ignores: ['**/dist', '**/out-tsc', '**/test-output', '**/node_modules', '**/pinned'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // Libraries are consumed from source (the @bmx/source condition), never from a separate build.
          enforceBuildableLibDependency: false,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            // Apps are thin and stand alone: never import another app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            // Libraries never reach up into apps or tools.
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
          ],
        },
      ],
      // libs/aws-clients is the only place AWS SDK clients are constructed (it turns this rule off for itself).
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/^(S3Client|SQSClient|LambdaClient|SecretsManagerClient|SchedulerClient)$/]',
          message: 'Create AWS clients only in libs/aws-clients: use its getS3Client() / getSqsClient() / getLambdaClient() / getSecretsManagerClient() / getSchedulerClient().',
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/tests/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
