// meta.properties in every log dir (Kafka's BrokerMetadataCheckpoint): which broker and which cluster the
// data belongs to, so a disk moved to the wrong broker or cluster is refused at startup. Java properties
// text, as Kafka writes it (Properties.store with an empty comment, then a date line):
//
//   #
//   #Thu Nov 21 10:25:00 UTC 2024
//   cluster.id=Qz7s0fJ8RWGp2sXnB4cVhQ
//   version=0
//   broker.id=1

import fs from 'node:fs';
import path from 'node:path';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import { writeFileAtomically } from './file-util.ts';

export const META_PROPERTIES_FILE = 'meta.properties';

export interface BrokerMetadata {
  brokerId: number;
  /** Absent in files written before the cluster had an id (Kafka < 0.10.1). */
  clusterId?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString() in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`. */
function javaDateString(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

export function formatMetaProperties(metadata: BrokerMetadata, now: Date): string {
  let text = `#\n#${javaDateString(now)}\n`;
  if (metadata.clusterId !== undefined) text += `cluster.id=${metadata.clusterId}\n`;
  text += `version=0\nbroker.id=${metadata.brokerId}\n`;
  return text;
}

/** Parses Java properties (`key=value` or `key: value`, `#`/`!` comments) — enough for meta.properties. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match !== null) properties.set(match[1], match[2]);
    else properties.set(line, '');
  }
  return properties;
}

export function writeMetaProperties(logDir: string, metadata: BrokerMetadata, now = new Date()): void {
  writeFileAtomically(path.join(logDir, META_PROPERTIES_FILE), formatMetaProperties(metadata, now));
}

/** The log dir's metadata, or null if it has no meta.properties yet. */
export function readMetaProperties(logDir: string): BrokerMetadata | null {
  const file = path.join(logDir, META_PROPERTIES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot read', { path: file, cause: error });
  }
  const properties = parseProperties(text);
  const malformed = (message: string) =>
    new LogError(LOG_ERROR_CODES.KZ_ERR_CHECKPOINT_MALFORMED, message, { path: file });
  if (properties.get('version') !== '0')
    throw malformed(`unrecognized version ${JSON.stringify(properties.get('version'))}`);
  const brokerIdText = properties.get('broker.id');
  if (brokerIdText === undefined || !/^-?\d+$/.test(brokerIdText))
    throw malformed(`bad broker.id ${JSON.stringify(brokerIdText)}`);
  const clusterId = properties.get('cluster.id');
  return clusterId === undefined
    ? { brokerId: Number(brokerIdText) }
    : { brokerId: Number(brokerIdText), clusterId };
}

/**
 * Startup check over every log dir, as KafkaServer does: all existing meta.properties must agree with
 * each other and with this broker (`broker.id`, and the cluster id read from ZooKeeper's /cluster/id);
 * dirs without one get it written. Throws LogError (KZ_ERR_META_PROPERTIES_MISMATCH) on a mismatch.
 */
export function checkOrWriteMetaProperties(
  logDirs: readonly string[],
  metadata: BrokerMetadata,
  now = new Date(),
): void {
  for (const logDir of logDirs) {
    const existing = readMetaProperties(logDir);
    if (existing === null) continue;
    if (existing.brokerId !== metadata.brokerId) {
      throw new LogError(
        LOG_ERROR_CODES.KZ_ERR_META_PROPERTIES_MISMATCH,
        `configured broker.id ${metadata.brokerId} doesn't match stored broker.id ${existing.brokerId} (InconsistentBrokerIdException)`,
        { path: logDir },
      );
    }
    if (
      existing.clusterId !== undefined &&
      metadata.clusterId !== undefined &&
      existing.clusterId !== metadata.clusterId
    ) {
      throw new LogError(
        LOG_ERROR_CODES.KZ_ERR_META_PROPERTIES_MISMATCH,
        `the cluster ID ${metadata.clusterId} doesn't match stored clusterId ${existing.clusterId} (InconsistentClusterIdException)`,
        { path: logDir },
      );
    }
  }
  for (const logDir of logDirs) {
    const existing = readMetaProperties(logDir);
    if (existing === null || (existing.clusterId === undefined && metadata.clusterId !== undefined)) {
      fs.mkdirSync(logDir, { recursive: true });
      writeMetaProperties(logDir, metadata, now);
    }
  }
}
