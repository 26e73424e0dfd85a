/** The deploy pipeline's `{"smoke_test": true}` invocation, which must answer without sending or changing anything. */
export function isSmokeTest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { smoke_test?: unknown }).smoke_test === true;
}
