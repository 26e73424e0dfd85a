import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '../../src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));

describe('the deploy tool', () => {
  it('names no account of its own: the local one comes from AWS_ACCOUNT_ID, AWS ones from the templates', () => {
    const placeholder = ['0'.repeat(12)];
    const naming = files(SRC).filter((file) => placeholder.some((account) => readFileSync(file, 'utf8').includes(account)));
    expect(naming.map((file) => path.relative(SRC, file))).toEqual([]);
  });
});
