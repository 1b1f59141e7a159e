// ClusterHandle: everything a lab can be asked to do, whatever runs it. Two implementations today:
//   deploy/local/local-cluster.ts   LocalCluster: real processes, owned by this process (the supervisor)
//   deploy/local/control-client.ts  RemoteCluster: the same calls over the supervisor's control API
// A simulated cluster (deploy/sim) and the dashboard can implement / use the same interface.
//
// Node targets are names (`zk1` … `zk9`, `broker1` … `broker9`) or the role aliases `zk-leader` (the current leader, asked of
// every server with `srvr` at the moment of the call) and `zk-follower` (the follower with the lowest id).

import type { PartitionStatus } from './partitions.ts';
import type { ZooKeeperImpl, NodeKind } from './spec.ts';
import type { ServerMode } from './srvr.ts';

/** A node process as the supervisor sees it. */
export type ProcessState =
  /** Spawned; not yet answering (`srvr`; a broker: its admin HTTP). */
  | 'starting'
  /** Answering (which says nothing about serving: see `mode`). */
  | 'running'
  /** SIGSTOPped by `kzlab pause`: the kernel still accepts TCP connections for it, nothing answers. */
  | 'paused'
  /** SIGKILLed by `kzlab kill`. */
  | 'killed'
  /** Ended on its own (crash, bad config) or stopped by `kzlab restart` between its two lives. */
  | 'exited'
  /** Stopped with the lab. */
  | 'stopped';

/** What a node is, where it listens and where its files are. Fixed for the life of a lab. */
export interface NodeInfo {
  readonly name: string;
  readonly kind: NodeKind;
  /** `myid` / the N of `server.N`; a broker's `broker.id`. */
  readonly sid: number;
  readonly host: string;
  /** The port clients use: ZooKeeper's client port, or a broker's Kafka port (its listener). */
  readonly clientPort: number;
  /** Null for a broker. */
  readonly quorumPort: number | null;
  /** Null for a broker. */
  readonly electionPort: number | null;
  readonly adminPort: number;
  /**
   * AdminServer commands, e.g. `http://127.0.0.1:8081/commands` (`…/commands/stat`); a broker's admin
   * HTTP server, e.g. `http://127.0.0.1:8091` (`…/broker`, `…/controller`, `…/partitions`, `…/metrics`).
   */
  readonly adminUrl: string;
  readonly dataDir: string;
  /** zoo.cfg, or a broker's server.properties. */
  readonly config: string;
  /** The process's stdout and stderr. */
  readonly log: string;
}

export interface NodeProcessInfo extends NodeInfo {
  /** Current process id; null while the node has no process. */
  readonly pid: number | null;
  readonly process: ProcessState;
}

export interface ClusterInfo {
  readonly dataDir: string;
  readonly impl: ZooKeeperImpl;
  readonly portBase: number;
  /** The ZooKeeper connect string of the whole ensemble (or the external ZooKeeper the brokers use). */
  readonly connect: string;
  /** Kafka's bootstrap.servers: `127.0.0.1:9092,…`; '' in a lab without brokers. */
  readonly bootstrap: string;
  readonly controlUrl: string;
  readonly supervisorPid: number;
  readonly tickTimeMs: number;
  readonly nodes: readonly NodeProcessInfo[];
}

/** A directed link between two nodes whose fault proxy is not `ok`. */
export interface LinkFault {
  readonly from: string;
  readonly to: string;
  /** The fault proxy mode: `stall` (partition), `reset`, `drop-new`, `delay <ms>`. */
  readonly mode: string;
}

export interface NodeStatus extends NodeProcessInfo {
  readonly mode: ServerMode;
  /** How the process ended last, if it did. */
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  readonly zxid?: string;
  readonly latencyMs?: { readonly min: number; readonly avg: number; readonly max: number };
  readonly connections?: number;
  readonly outstanding?: number;
  readonly received?: number;
  readonly sent?: number;
  readonly nodeCount?: number;
  readonly version?: string;
  /** Why `srvr` (a broker: its admin HTTP) gave nothing (timeout, refused). */
  readonly error?: string;
  /** A broker: the controller as it knows it (from /controller), or null. */
  readonly controllerId?: number | null;
  /** A broker: its broker epoch (czxid of /brokers/ids/<id>), or null while unregistered. */
  readonly brokerEpoch?: string | null;
  readonly clusterId?: string | null;
}

export interface ClusterStatus {
  /** Epoch ms when the status was taken. */
  readonly at: number;
  readonly dataDir: string;
  readonly impl: ZooKeeperImpl;
  readonly connect: string;
  /** Kafka's bootstrap.servers; '' in a lab without brokers. */
  readonly bootstrap: string;
  readonly controlUrl: string;
  readonly supervisorPid: number;
  /** The server that said `Mode: leader` (or `standalone`), or null. */
  readonly leader: string | null;
  /** The broker that holds the controller (mode `controller`), or null. */
  readonly controller: string | null;
  readonly nodes: readonly NodeStatus[];
  /** Every topic partition the answering brokers host: placement, ISR, each replica's LEO and HW. */
  readonly partitions?: readonly PartitionStatus[];
  /** Every directed link that is not `ok`. Empty: no partition. */
  readonly links: readonly LinkFault[];
}

/** What `kill`, `pause` and `resume` did. Times are epoch milliseconds. */
export interface SignalReport {
  readonly node: string;
  readonly pid: number;
  readonly signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM';
  readonly signalledAt: number;
  /** When the process was seen gone (kill) or stopped/running again (pause/resume). */
  readonly confirmedAt: number;
  /** confirmedAt − signalledAt, measured on a monotonic clock. */
  readonly confirmedAfterMs: number;
  /** kill: the process is gone; pause: the kernel reports it stopped (T); resume: running again. */
  readonly confirmed: boolean;
  readonly process: ProcessState;
}

export interface RestartReport {
  readonly node: string;
  /** How the old process was stopped, when there was one. */
  readonly stopped: SignalReport | null;
  readonly pid: number;
  readonly startedAt: number;
  /** Spawn → first `imok`. */
  readonly answeringAfterMs: number;
  /**
   * Spawn → serving (`srvr` Mode leader/follower/standalone; a broker: registered, mode broker or
   * controller); null if it was not serving by the deadline.
   */
  readonly servingAfterMs: number | null;
  readonly mode: ServerMode;
}

export interface LinkReport {
  /** The links changed by this call. */
  readonly changed: readonly LinkFault[];
  /** Every faulty link afterwards. */
  readonly links: readonly LinkFault[];
}

export interface StopReport {
  readonly nodes: readonly {
    readonly node: string;
    readonly pid: number;
    /** The last signal it needed: SIGTERM when it stopped cleanly, SIGKILL after the deadline. */
    readonly signal: 'SIGTERM' | 'SIGKILL';
    readonly goneAfterMs: number;
  }[];
}

/** What happened in the lab, in order. `seq` counts from 1 for the life of one supervisor. */
export type ClusterEvent = { readonly seq: number; readonly at: number } & ClusterEventBody;

export type ClusterEventBody =
  | {
      readonly type: 'lab-starting';
      readonly impl: ZooKeeperImpl;
      readonly zookeepers: number;
      readonly brokers: number;
      /** The external ZooKeeper the brokers use (--zookeeper-connect), or null. */
      readonly externalZooKeeper: string | null;
      readonly portBase: number;
    }
  | { readonly type: 'node-started'; readonly node: string; readonly pid: number }
  | {
      readonly type: 'lab-ready';
      readonly leader: string | null;
      /** The broker holding the controller when the lab became ready (null without brokers). */
      readonly controller?: string | null;
      readonly afterMs: number;
    }
  | {
      readonly type: 'role-changed';
      readonly node: string;
      readonly from: ServerMode;
      readonly to: ServerMode;
    }
  | {
      readonly type: 'node-signalled';
      readonly node: string;
      readonly pid: number;
      readonly signal: string;
      /** Why: kill, pause, resume, restart, stop. */
      readonly reason: string;
    }
  | {
      readonly type: 'node-exited';
      readonly node: string;
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
      /** False when nobody asked it to stop (a crash). */
      readonly expected: boolean;
    }
  | {
      readonly type: 'links-changed';
      readonly action: 'partition' | 'heal';
      readonly groups: readonly (readonly string[])[];
      readonly mode: string;
      readonly links: readonly LinkFault[];
    }
  | { readonly type: 'lab-stopping'; readonly reason: string }
  | { readonly type: 'lab-stopped' };

export type ClusterEventType = ClusterEventBody['type'];

export interface PartitionOptions {
  /** Fault proxy mode for the cut links: `stall` (default: silent partition), `reset`, `drop-new`, `delay <ms>`. */
  readonly mode?: string;
}

export interface ClusterHandle {
  /**
   * Brings every node up and waits until a leader serves, then starts the brokers and waits until every
   * broker is registered. For a lab that already runs: its info.
   */
  start(): Promise<ClusterInfo>;
  info(): Promise<ClusterInfo>;
  /** Asks every running server `srvr` and every broker its admin HTTP `/broker` (paused ones are not asked). */
  status(): Promise<ClusterStatus>;
  /** SIGKILL; resolves once the process is gone. */
  kill(target: string): Promise<SignalReport>;
  /** SIGSTOP. */
  pause(target: string): Promise<SignalReport>;
  /** SIGCONT. */
  resume(target: string): Promise<SignalReport>;
  /** Stops the node if it runs (SIGTERM, SIGKILL after a deadline), starts it on the same data. */
  restart(target: string): Promise<RestartReport>;
  /**
   * Cuts every link between nodes of different groups, both directions. One group: that group against
   * every other ZooKeeper server. Cuts add up until heal(). Only ZooKeeper servers' peer links go through
   * fault proxies: naming a broker is a KZ_ERR_BAD_REQUEST.
   */
  partition(groups: readonly (readonly string[])[], options?: PartitionOptions): Promise<LinkReport>;
  /** Heals every link, or only those between the given groups. */
  heal(groups?: readonly (readonly string[])[]): Promise<LinkReport>;
  /** Recent events (the supervisor keeps the last few thousand), those with seq > `since`. */
  events(options?: { since?: number }): Promise<ClusterEvent[]>;
  /** Calls `listener` for every new event; returns the unsubscribe function. */
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  /** Stops every node, brokers first (SIGTERM, SIGKILL after a deadline), and the proxies. Data stays. */
  stop(): Promise<StopReport>;
}
