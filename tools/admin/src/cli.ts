// `npm run admin -- <group> <command> [options]`: see `npm run admin -- --help` and tools/admin/README.md.
import { runAdmin } from './admin';

const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(`${line}\n`);

runAdmin(process.argv.slice(2), { out: write(process.stdout), err: write(process.stderr) }).then(
  (status) => process.exit(status),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
