// Kafka requests and responses nest partitions under their topic; this groups a flat list that way.
// Pure.

/** Groups items by topic name, keeping first-seen topic order and item order within a topic. */
export function groupByTopic<T>(items: readonly T[], topicOf: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const topic = topicOf(item);
    let list = groups.get(topic);
    if (list === undefined) {
      list = [];
      groups.set(topic, list);
    }
    list.push(item);
  }
  return [...groups];
}
