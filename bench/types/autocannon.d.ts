// autocannon ships no types; this declares only what api.bench.ts uses (so a wrong option name or a misread result
// field fails typecheck), instead of adding @types/autocannon for one call.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
  }

  /** autocannon's summary of one measure (requests per second, or latency in ms). */
  interface Stats {
    average: number;
    p50: number;
    p99: number;
  }

  interface Result {
    requests: Stats;
    latency: Stats;
    /** Responses whose status was not 2xx. */
    non2xx: number;
    errors: number;
    timeouts: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
