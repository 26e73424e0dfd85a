import os from 'node:os';

/** One benchmark's printed table. */
export interface BenchTable {
  title: string;
  /** What was run, for RESULTS.md. */
  command: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
  /** Output kept as printed, for benchmarks that print their own report. */
  preformatted?: string;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

export function toMarkdown(table: BenchTable): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  if (table.preformatted !== undefined) {
    return [`### ${table.title}`, '', `\`${table.command}\``, '', '```text', table.preformatted, '```', ''].join('\n');
  }
  return [
    `### ${table.title}`,
    '',
    `\`${table.command}\``,
    '',
    line(table.columns),
    line(table.columns.map(() => '---')),
    ...table.rows.map(line),
    ...(table.notes?.length ? ['', ...table.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

export function print(table: BenchTable): void {
  process.stdout.write(`\n${toMarkdown(table)}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * Runs a benchmark command to its end and exits: 0 when `work` resolves, 1 with the stack when it throws. The exit
 * is explicit because after the client-reuse run something left behind by the stopped local S3/SQS server keeps
 * the process busy (no open handle is reported; not found yet), and a benchmark command must end when it is done.
 */
export function runToExit(work: () => Promise<unknown>): void {
  work().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}

/** A benchmark file started on its own (`node … bench/x.bench.ts`): prints its table, then exits. */
export function runIfMain(module: NodeModule, bench: () => Promise<BenchTable>): void {
  if (require.main === module) runToExit(async () => print(await bench()));
}
