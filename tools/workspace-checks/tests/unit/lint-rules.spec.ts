// The rules that keep the architecture: AWS clients are made only in libs/aws-clients, apps never import apps.
import { ESLint } from 'eslint';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

/** Lints as `nx lint` does: from the project's own folder, with the project's eslint.config.mjs. */
async function lint(file: string, code: string): Promise<string[]> {
  const project = file.split('/').slice(0, 2).join('/');
  const eslint = new ESLint({ cwd: path.join(root, project) });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint rules', () => {
  it.each(['S3Client', 'SQSClient', 'LambdaClient'])('refuses new %s outside libs/aws-clients', async (client) => {
    const messages = await lint('apps/api/src/stray.ts', `import { ${client} } from '@aws-sdk/client-x';\nexport const c = new ${client}({});\n`);
    expect(messages).toEqual([expect.stringMatching(/^no-restricted-syntax: Create AWS clients only in libs\/aws-clients/)]);
  });

  it('allows it inside libs/aws-clients', async () => {
    const messages = await lint('libs/aws-clients/src/lib/extra.ts', `import { S3Client } from '@aws-sdk/client-s3';\nexport const c = new S3Client({});\n`);
    expect(messages).toEqual([]);
  });

  it('refuses an app importing another app', async () => {
    const messages = await lint('apps/tracking-dispatcher/src/stray.ts', `import { x } from '../../api/src/app';\nexport const y = x;\n`);
    expect(messages.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });
});
