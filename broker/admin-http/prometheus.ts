// The broker's metrics in the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then
// one `name{label="value"} number` line per sample. Label values escape `\`, `"` and newlines.
// Names follow the JMX names a Kafka 2.4 broker exposes, flattened as the Prometheus JMX exporter does
// (kafka.log:type=Log,name=LogEndOffset → kafka_log_log_logendoffset), with kzlab-specific ones under kzlab_.

import type { BrokerCounters, ControllerView, PartitionView } from './broker-admin-view.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(entries: Record<string, string | number>): string {
  const parts = Object.entries(entries).map(([key, value]) => `${key}="${escapeLabel(String(value))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

class MetricWriter {
  private readonly lines: string[] = [];

  family(
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: [Record<string, string | number>, number | string][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [sampleLabels, value] of samples) this.lines.push(`${name}${labels(sampleLabels)} ${value}`);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function formatPrometheusMetrics(input: {
  brokerId: number;
  partitions: readonly PartitionView[];
  controller: ControllerView;
  counters: BrokerCounters;
}): string {
  const out = new MetricWriter();
  const { partitions, controller, counters } = input;
  const perPartition = (
    value: (p: PartitionView) => number | string,
  ): [Record<string, string | number>, number | string][] =>
    partitions.map((p) => [{ topic: p.topic, partition: p.partition }, value(p)]);

  out.family(
    'kafka_log_log_logendoffset',
    'gauge',
    'Log end offset of each partition log on this broker.',
    perPartition((p) => p.logEndOffset),
  );
  out.family(
    'kafka_log_log_logstartoffset',
    'gauge',
    'Log start offset of each partition log on this broker.',
    perPartition((p) => p.logStartOffset),
  );
  out.family(
    'kafka_cluster_partition_highwatermark',
    'gauge',
    'High watermark of each partition log on this broker.',
    perPartition((p) => p.highWatermark),
  );
  out.family(
    'kafka_log_log_size',
    'gauge',
    'Bytes in all segments of each partition log.',
    perPartition((p) => p.sizeBytes),
  );
  out.family(
    'kafka_log_log_numlogsegments',
    'gauge',
    'Segments of each partition log.',
    perPartition((p) => p.segments.length),
  );
  out.family(
    'kafka_cluster_partition_insyncreplicascount',
    'gauge',
    'ISR size of each partition this broker hosts (as the controller last told it).',
    perPartition((p) => p.isr.length),
  );
  out.family(
    'kzlab_partition_is_leader',
    'gauge',
    '1 when this broker leads the partition.',
    perPartition((p) => (p.role === 'leader' ? 1 : 0)),
  );
  out.family('kafka_server_replicamanager_leadercount', 'gauge', 'Partitions this broker leads.', [
    [{}, partitions.filter((p) => p.role === 'leader').length],
  ]);
  out.family('kafka_server_replicamanager_partitioncount', 'gauge', 'Partitions hosted by this broker.', [
    [{}, partitions.filter((p) => p.role !== 'offline').length],
  ]);
  out.family(
    'kafka_network_requestmetrics_requests_total',
    'counter',
    'Requests received, per API.',
    [...counters.requests]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([api, count]) => [{ request: api }, count]),
  );
  out.family(
    'kafka_server_brokertopicmetrics_bytesin_total',
    'counter',
    'Bytes received on the Kafka listeners.',
    [[{}, counters.bytesIn]],
  );
  out.family(
    'kafka_server_brokertopicmetrics_bytesout_total',
    'counter',
    'Bytes sent on the Kafka listeners.',
    [[{}, counters.bytesOut]],
  );
  out.family('kafka_server_socketserver_connections', 'gauge', 'Open client connections.', [
    [{}, counters.connections],
  ]);
  out.family(
    'kafka_controller_kafkacontroller_activecontrollercount',
    'gauge',
    '1 on the active controller.',
    [[{}, controller.isController ? 1 : 0]],
  );
  if (controller.isController) {
    out.family(
      'kafka_controller_kafkacontroller_offlinepartitionscount',
      'gauge',
      'Partitions without a live leader.',
      [[{}, controller.offlinePartitions]],
    );
    out.family('kafka_controller_controllerstats_controllerepoch', 'gauge', 'The controller epoch.', [
      [{}, controller.controllerEpoch ?? 0],
    ]);
  }
  return out.text();
}
