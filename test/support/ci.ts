// A test that needs a Debian tool (zkCli, cli_mt, kazoo, kcat) may skip on a developer machine without
// it, but never under CI (CI=true): there a missing tool must fail the suite, not hide a feature.
export function skipUnlessAvailable(available: boolean): boolean {
  return !available && !process.env.CI;
}
