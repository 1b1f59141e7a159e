// Captures golden client/server frames from real clients talking to real Apache ZooKeeper 3.8 through the
// recording proxy, and writes test/fixtures/zookeeper/golden-<client>.json.
//
//   npx node test/support/capture-zookeeper-golden.ts [node-zookeeper-client|kazoo|zkcli ...]
//
// Each file is an array of { connection, direction: 'c2s'|'s2c', hex, note } in capture order
// (hex = the whole frame including its 4-byte length prefix).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenSessions } from './golden-sessions.ts';
import { repoRoot, startZooKeeper } from './zookeeper-servers.ts';

const fixtures = join(repoRoot, 'test', 'fixtures', 'zookeeper');

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(goldenSessions);
for (const name of wanted) {
  const session = goldenSessions[name];
  if (!session) throw new Error(`unknown client ${name}; one of ${Object.keys(goldenSessions).join(', ')}`);
  const server = await startZooKeeper({ impl: 'apache' });
  try {
    const frames = await session(server);
    const path = join(fixtures, `golden-${name}.json`);
    writeFileSync(path, '[\n' + frames.map((f) => '  ' + JSON.stringify(f)).join(',\n') + '\n]\n');
    console.log(`${path}: ${frames.length} frames`);
  } finally {
    await server.stop();
  }
}
