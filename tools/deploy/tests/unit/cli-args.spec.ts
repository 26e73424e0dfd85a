// The deploy CLI's arguments, as Nx forwards them (`nx deploy api --env prod` arrives as `--env=prod`).
import { parseCliArgs } from '../../src/cli-args';

describe('parseCliArgs', () => {
  it.each([
    [['deploy', 'apps/api', '--env=prod']],
    [['deploy', 'apps/api', '--env', 'prod']],
    [['deploy', '--env', 'prod', 'apps/api']],
  ])('reads %j as deploy apps/api to prod', (argv) => {
    expect(parseCliArgs(argv, {})).toEqual({ command: 'deploy', appDir: 'apps/api', envName: 'prod' });
  });

  it('falls back to BMX_ENV, then local; --env wins over BMX_ENV', () => {
    expect(parseCliArgs(['affected'], { BMX_ENV: 'staging' }).envName).toBe('staging');
    expect(parseCliArgs(['affected'], {}).envName).toBe('local');
    expect(parseCliArgs(['affected', '--env=prod'], { BMX_ENV: 'staging' }).envName).toBe('prod');
  });

  it('refuses an unknown option, a bad environment name and no command', () => {
    expect(() => parseCliArgs(['deploy', 'apps/api', '--envv=prod'], {})).toThrow(/Unknown option '--envv'/);
    expect(() => parseCliArgs(['deploy', 'apps/api', '--env=Prod!'], {})).toThrow('--env must be lowercase letters, digits or dashes, got "Prod!"');
    expect(() => parseCliArgs([], {})).toThrow(/usage: cli.ts/);
  });
});
