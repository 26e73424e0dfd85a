import { toMarkdown, type BenchTable } from './report';

interface Section {
  /** The section's command line (`` `npm run bench -- x` ``), which names the benchmark that made it. */
  command: string | undefined;
  lines: string[];
}

/** Cuts a RESULTS.md into its header (everything before the first `###`) and its sections. */
function parse(markdown: string): { header: string[]; sections: Section[] } {
  const header: string[] = [];
  const sections: Section[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    // A benchmark's own printed report sits in a fence and may hold lines that look like headings.
    if (line.startsWith('```')) inFence = !inFence;
    const current = sections[sections.length - 1];
    if (!inFence && line.startsWith('### ')) sections.push({ command: undefined, lines: [line] });
    else if (!current) header.push(line);
    else {
      current.lines.push(line);
      const command = /^`([^`]+)`$/.exec(line);
      if (!inFence && command && current.command === undefined) current.command = command[1];
    }
  }
  return { header, sections };
}

/**
 * RESULTS.md after a run of only some benchmarks: each table replaces the section with the same command (or is
 * appended when there is none), every other section stays as it was, and `note` (what was re-run, when) is added
 * to the header in place of earlier notes about re-running only sections it covers.
 */
export function mergeResults(previous: string, tables: BenchTable[], rerun: { names: string[]; note: string }): string {
  const { header, sections } = parse(previous);
  for (const table of tables) {
    const lines = toMarkdown(table).split('\n');
    const at = sections.findIndex((s) => s.command === table.command);
    if (at === -1) sections.push({ command: table.command, lines });
    else sections[at] = { command: table.command, lines };
  }
  const covered = (line: string) => {
    const earlier = /re-run alone .*`npm run bench -- ([^`]+)`/.exec(line);
    return earlier !== null && (earlier[1] as string).split(' ').every((name) => rerun.names.includes(name));
  };
  const kept = header.filter((line) => !covered(line));
  let last = kept.length;
  while (last > 0 && kept[last - 1] === '') last--;
  const newHeader = [...kept.slice(0, last), rerun.note, ...kept.slice(last)];
  return [...newHeader, ...sections.flatMap((s) => s.lines)].join('\n');
}
