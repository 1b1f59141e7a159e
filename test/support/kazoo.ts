// Runs kazoo_suite.py (Debian's python3-kazoo: its recipes are good semantic tests of a ZooKeeper) against
// a connect string and returns its JSON summary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const python = '/usr/bin/python3';
const suite = fileURLToPath(new URL('../conformance/zookeeper/kazoo_suite.py', import.meta.url));

export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: Record<string, unknown>;
  error?: string;
  traceback?: string;
  seconds: number;
}
export interface Summary {
  kazoo: string;
  passed: number;
  failed: number;
  results: CheckResult[];
}

export function kazooAvailable(): boolean {
  return existsSync(python) && existsSync('/usr/lib/python3/dist-packages/kazoo/client.py');
}

export function runSuite(
  connectString: string,
  root: string,
  deadlineMs = 90_000,
): Promise<{ summary: Summary; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [suite, connectString, root],
      { timeout: deadlineMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        const line = stdout.split('\n').find((l) => l.startsWith('KAZOO_SUMMARY '));
        if (!line) {
          reject(
            new Error(
              `kazoo suite printed no summary (${error?.message ?? 'exit 0'}):\n${output.slice(-4000)}`,
            ),
          );
          return;
        }
        resolve({ summary: JSON.parse(line.slice('KAZOO_SUMMARY '.length)) as Summary, output });
      },
    );
  });
}
