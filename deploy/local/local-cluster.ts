// LocalCluster: a lab as real OS processes on 127.0.0.1, owned by this process (the supervisor that
// `kzlab up` runs): ZooKeeper servers zk1…zkN and Kafka brokers broker1…brokerM. It implements
// ClusterHandle:
//
//   start     writes each server's zoo.cfg and myid, starts one fault proxy per directed link and peer
//             port (quorum, election), spawns every server, waits until a leader serves and every
//             server serves (srvr), with a deadline; then writes each broker's server.properties,
//             spawns the brokers and waits until every one is registered (its admin HTTP answers
//             GET /broker with a broker epoch). With an external ZooKeeper only the brokers start.
//   kill      SIGKILL; reports when the signal went out and when the process was gone (the child's
//             exit event, which the kernel delivers to us as its parent)
//   pause     SIGSTOP (confirmed through /proc/<pid>/stat state T), resume SIGCONT
//   restart   SIGTERM (SIGKILL after a deadline), spawn again with the same zoo.cfg and data
//   partition stall the proxies of every link between the groups, both directions; heal sets them ok
//   status    `srvr` to every server, GET /broker to every broker that runs (paused ones are not asked:
//             they would not answer)
//   events    what happened, numbered; a role watcher asks every node every second and reports role
//             changes (for brokers: broker ↔ controller)
//   stop      SIGTERM the brokers, then the servers (so the brokers deregister while ZooKeeper still
//             serves; SIGCONT first for paused ones), SIGKILL after a deadline, close the proxies.
//             Data stays.
// Fault proxies (one per directed link and service) sit between the ZooKeeper servers (quorum, election),
// between each broker and each server (the broker's ZooKeeper session), and between the brokers (each
// broker's listener for that peer: replica fetches, controller requests). Clients reach brokers and
// servers directly. So a partition can cut a broker off ZooKeeper, off the other brokers, or both.
//
// Operations on one node run one at a time (a queue per node). Every wait has a deadline.

import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import type {
  ClusterEvent,
  ClusterEventBody,
  ClusterHandle,
  ClusterInfo,
  ClusterStatus,
  LinkFault,
  LinkReport,
  NodeInfo,
  NodeStatus,
  PartitionOptions,
  RestartReport,
  SignalReport,
  StopReport,
} from '../cluster/handle.ts';
import {
  adminUrl,
  bootstrapServers,
  brokerAdminUrl,
  brokerLogDir,
  connectString,
  controlUrl,
  nodePaths,
  type ClusterSpec,
} from '../cluster/spec.ts';
import { mergePartitionAnswers, type PartitionStatus } from '../cluster/partitions.ts';
import { isServingMode, parseSrvr, type ServerMode, type SrvrReport } from '../cluster/srvr.ts';
import { completeGroups, linksBetween, needsModes, parseTarget, resolveTarget } from '../cluster/targets.ts';
import {
  brokerModeOf,
  fetchBrokerAdmin,
  fetchBrokerPartitions,
  isBrokerServingMode,
  type BrokerAdminAnswer,
} from './broker-admin.ts';
import { FaultProxyGroup, parseFaultMode, type FaultMode } from './fault-proxy.ts';
import { fourLetterWord } from './four-letter-word.ts';
import {
  brokerCommand,
  canReadProcessStates,
  kernelProcessState,
  NodeProcess,
  zookeeperCommand,
  type ExitInfo,
  type ExitReason,
  type NodeCommand,
} from './node-process.ts';
import { renderServerProperties, type BrokerRoutes } from './server-properties.ts';
import { renderLabZooCfg, type PeerAddress } from './zoo-cfg.ts';

export interface LocalClusterOptions {
  readonly spec: ClusterSpec;
  /**
   * start(): spawn → a leader serves and every server serves; then, for the brokers, spawn → every
   * broker registered (each phase has the whole deadline). Default 60 s.
   */
  readonly readyTimeoutMs?: number;
  /** restart(): spawn → the server answers `srvr` at all. Default 30 s. */
  readonly answerTimeoutMs?: number;
  /** restart(): spawn → the server serves. Default 30 s. Not serving by then is reported, not an error. */
  readonly servingTimeoutMs?: number;
  /** SIGTERM → SIGKILL when stopping a server. Default 10 s. */
  readonly stopTimeoutMs?: number;
  /** SIGKILL → gone. Default 10 s. */
  readonly killTimeoutMs?: number;
  /** Deadline of one `srvr` (and of one GET /broker). Default 1 s. */
  readonly srvrTimeoutMs?: number;
  /** How often the role watcher asks every server `srvr`; 0 turns it off. Default 1 s. */
  readonly roleWatchIntervalMs?: number;
  /** Events kept for events(). Default 5000. */
  readonly maxEvents?: number;
  /** The control API URL to report in info() (the supervisor runs it). Default: the port plan's. */
  readonly controlUrl?: string;
  readonly supervisorPid?: number;
  /**
   * Put a fault proxy on every directed link (default true). Without them the servers connect to each
   * other directly: no partitions, but no extra userspace hop either (benchmarks).
   */
  readonly faultProxies?: boolean;
  /** Replaces the command that runs a ZooKeeper server (tests, benchmarks); brokers always run broker/main.ts. */
  readonly command?: (name: string, configPath: string, nodeDir: string) => NodeCommand;
}

interface QueryResult {
  readonly mode: ServerMode;
  readonly report?: SrvrReport;
  /** A broker's GET /broker answer. */
  readonly broker?: BrokerAdminAnswer;
  readonly error?: string;
}

interface LabNode {
  readonly info: NodeInfo;
  readonly process: NodeProcess;
  mode: ServerMode;
  /** Serialises operations on this node. */
  queue: Promise<unknown>;
  querySeq: number;
  appliedSeq: number;
}

const PAUSE_CONFIRM_TIMEOUT_MS = 2000;

export class LocalCluster implements ClusterHandle {
  readonly spec: ClusterSpec;
  private readonly options: LocalClusterOptions;
  private readonly nodes = new Map<string, LabNode>();
  /** Every node: the ZooKeeper servers, then the brokers. */
  private readonly names: string[];
  private readonly zookeeperNames: string[];
  private readonly brokerNames: string[];
  private proxies: FaultProxyGroup | undefined;
  private proxyList: { from: string; to: string; service: string; port: number }[] = [];
  private readonly eventLog: ClusterEvent[] = [];
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  private nextSeq = 1;
  private startPromise: Promise<ClusterInfo> | undefined;
  private started = false;
  private stopping = false;
  private stopPromise: Promise<StopReport> | undefined;
  private readonly stopController = new AbortController();
  private watcherRunning = false;

  constructor(options: LocalClusterOptions) {
    this.options = options;
    this.spec = options.spec;
    this.zookeeperNames = options.spec.ports.zookeepers.map((zk) => zk.name);
    this.brokerNames = options.spec.ports.brokers.map((broker) => broker.name);
    this.names = [...this.zookeeperNames, ...this.brokerNames];
    for (const zk of options.spec.ports.zookeepers) {
      const paths = nodePaths(this.spec, zk.name);
      const info: NodeInfo = {
        name: zk.name,
        kind: 'zookeeper',
        sid: zk.sid,
        host: this.spec.host,
        clientPort: zk.clientPort,
        quorumPort: zk.quorumPort,
        electionPort: zk.electionPort,
        adminPort: zk.adminPort,
        adminUrl: adminUrl(this.spec, zk.name),
        dataDir: paths.dir,
        config: paths.config,
        log: paths.log,
      };
      this.addNode(info);
    }
    for (const broker of options.spec.ports.brokers) {
      const paths = nodePaths(this.spec, broker.name);
      this.addNode({
        name: broker.name,
        kind: 'broker',
        sid: broker.brokerId,
        host: this.spec.host,
        clientPort: broker.kafkaPort,
        quorumPort: null,
        electionPort: null,
        adminPort: broker.adminPort,
        adminUrl: brokerAdminUrl(this.spec, broker.name),
        dataDir: paths.dir,
        config: paths.config,
        log: paths.log,
      });
    }
  }

  private addNode(info: NodeInfo): void {
    this.nodes.set(info.name, {
      info,
      process: new NodeProcess(info.name, info.log, (exit, expected) =>
        this.onNodeExit(info.name, exit, expected),
      ),
      mode: 'down',
      queue: Promise.resolve(),
      querySeq: 0,
      appliedSeq: 0,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // ClusterHandle

  start(): Promise<ClusterInfo> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  async info(): Promise<ClusterInfo> {
    return this.infoNow();
  }

  async status(): Promise<ClusterStatus> {
    const results = await this.queryAll();
    const nodes: NodeStatus[] = this.names.map((name) => {
      const node = this.node(name);
      const result = results.get(name) ?? { mode: node.mode };
      const exit = node.process.lastExit;
      const status: NodeStatus = {
        ...node.info,
        pid: node.process.pid,
        process: node.process.state,
        mode: result.mode,
        ...(exit === undefined ? {} : { exit: { code: exit.code, signal: exit.signal } }),
        ...(result.report === undefined ? {} : srvrFields(result.report)),
        ...(result.broker === undefined ? {} : brokerFields(result.broker)),
        ...(result.error === undefined ? {} : { error: result.error }),
      };
      return status;
    });
    const leader = nodes.find((node) => node.mode === 'leader' || node.mode === 'standalone')?.name ?? null;
    const partitions = await this.partitionStatus(nodes);
    return {
      at: Date.now(),
      dataDir: this.spec.dataDir,
      impl: this.spec.zookeeper.impl,
      connect: connectString(this.spec),
      bootstrap: bootstrapServers(this.spec),
      controlUrl: this.controlUrlOf(),
      supervisorPid: this.options.supervisorPid ?? process.pid,
      leader,
      controller: nodes.find((node) => node.mode === 'controller')?.name ?? null,
      nodes,
      ...(partitions.length === 0 ? {} : { partitions }),
      links: this.linkFaults(),
    };
  }

  /** Every serving broker's GET /partitions, merged: placement, ISR, each replica's LEO and HW. */
  private async partitionStatus(nodes: readonly NodeStatus[]): Promise<PartitionStatus[]> {
    const timeoutMs = this.options.srvrTimeoutMs ?? 1000;
    const answers = await Promise.all(
      nodes
        .filter((node) => node.kind === 'broker' && isBrokerServingMode(node.mode))
        .map(async (node) => {
          const brokerId = this.spec.ports.brokers.find((b) => b.name === node.name)?.brokerId;
          if (brokerId === undefined) return undefined;
          try {
            return { brokerId, partitions: await fetchBrokerPartitions(node.adminUrl, timeoutMs) };
          } catch {
            return undefined; // it stopped answering meanwhile: its replicas show as unknown
          }
        }),
    );
    return mergePartitionAnswers(answers.filter((a) => a !== undefined));
  }

  async kill(target: string): Promise<SignalReport> {
    this.assertOpen();
    const name = await this.resolve(target);
    return this.exclusive(name, async () => {
      const node = this.node(name);
      const pid = node.process.pid;
      if (pid === null) throw this.notRunning(name, 'kill');
      node.process.expectedExit = 'kill';
      const signalledAt = Date.now();
      const before = performance.now();
      node.process.signal('SIGKILL');
      this.emit({ type: 'node-signalled', node: name, pid, signal: 'SIGKILL', reason: 'kill' });
      const exit = await node.process.waitForExit(this.options.killTimeoutMs ?? 10_000);
      const after = exit?.atMonotonic ?? performance.now();
      return signalReport(
        name,
        pid,
        'SIGKILL',
        signalledAt,
        before,
        after,
        exit !== undefined,
        node.process.state,
      );
    });
  }

  async pause(target: string): Promise<SignalReport> {
    this.assertOpen();
    const name = await this.resolve(target);
    return this.exclusive(name, async () => {
      const node = this.node(name);
      const pid = node.process.pid;
      if (pid === null) throw this.notRunning(name, 'pause');
      if (node.process.state === 'paused') {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_NODE_STATE,
          `${name} (pid ${pid}) is already paused: resume it with \`kzlab resume ${name}\``,
        );
      }
      const signalledAt = Date.now();
      const before = performance.now();
      node.process.signal('SIGSTOP');
      node.process.state = 'paused';
      this.emit({ type: 'node-signalled', node: name, pid, signal: 'SIGSTOP', reason: 'pause' });
      this.setMode(name, 'paused');
      const confirmed = await this.waitForKernelState(pid, (state) => state === 'T' || state === 't');
      return signalReport(
        name,
        pid,
        'SIGSTOP',
        signalledAt,
        before,
        performance.now(),
        confirmed,
        node.process.state,
      );
    });
  }

  async resume(target: string): Promise<SignalReport> {
    this.assertOpen();
    const name = await this.resolve(target);
    return this.exclusive(name, async () => {
      const node = this.node(name);
      const pid = node.process.pid;
      if (pid === null) throw this.notRunning(name, 'resume');
      if (node.process.state !== 'paused') {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_NODE_STATE,
          `${name} (pid ${pid}) is not paused (it is ${node.process.state})`,
        );
      }
      const signalledAt = Date.now();
      const before = performance.now();
      node.process.signal('SIGCONT');
      node.process.state = 'running';
      this.emit({ type: 'node-signalled', node: name, pid, signal: 'SIGCONT', reason: 'resume' });
      const confirmed = await this.waitForKernelState(pid, (state) => state !== 'T' && state !== 't');
      void this.queryNode(name);
      return signalReport(
        name,
        pid,
        'SIGCONT',
        signalledAt,
        before,
        performance.now(),
        confirmed,
        node.process.state,
      );
    });
  }

  async restart(target: string): Promise<RestartReport> {
    this.assertOpen();
    const name = await this.resolve(target);
    const { stopped, pid, spawnedAt, startedAt, answeringAfterMs } = await this.exclusive(name, async () => {
      const node = this.node(name);
      const stoppedReport = node.process.alive ? await this.stopProcess(name, 'restart') : null;
      this.assertOpen();
      const spawnedAtMonotonic = performance.now();
      const startedAtWall = Date.now();
      const newPid = this.spawnNode(name);
      const asked = node.info.kind === 'broker' ? 'GET /broker' : 'srvr';
      const answered = await this.waitUntil(
        name,
        this.options.answerTimeoutMs ?? 30_000,
        (result) => result.mode !== 'unreachable',
        `${name} to answer ${asked} after restart`,
      );
      if (answered === undefined) {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT,
          `${name} (pid ${newPid}) did not answer ${asked} within ${(this.options.answerTimeoutMs ?? 30_000) / 1000} s of its restart; last lines of ${node.info.log}:\n${node.process.logTail()}`,
        );
      }
      return {
        stopped: stoppedReport,
        pid: newPid,
        spawnedAt: spawnedAtMonotonic,
        startedAt: startedAtWall,
        answeringAfterMs: round(performance.now() - spawnedAtMonotonic),
      };
    });
    // Waiting to serve happens outside the node's queue, so a kill or pause can interrupt it.
    const serving = await this.waitUntil(
      name,
      this.options.servingTimeoutMs ?? 30_000,
      (result) => this.serves(name, result.mode),
      `${name} to serve after restart`,
      pid,
    );
    return {
      node: name,
      stopped,
      pid,
      startedAt,
      answeringAfterMs,
      servingAfterMs: serving === undefined ? null : round(performance.now() - spawnedAt),
      mode: this.node(name).mode,
    };
  }

  async partition(
    groups: readonly (readonly string[])[],
    options: PartitionOptions = {},
  ): Promise<LinkReport> {
    this.assertOpen();
    // Brokers named in the groups are refused first: whatever the lab's shape, that is the answer.
    const resolved = await this.resolveGroups(groups);
    const proxies = this.requireProxies();
    const mode = toFaultMode(options.mode ?? 'stall');
    if (mode === 'ok') {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST,
        'partition --mode ok cuts nothing: use `kzlab heal`',
      );
    }
    const complete = completeGroups(resolved, this.names);
    const links = linksBetween(complete).filter(({ from, to }) => proxies.hasLink(from, to));
    for (const { from, to } of links) proxies.setLink(from, to, mode);
    const faults = this.linkFaults();
    this.emit({ type: 'links-changed', action: 'partition', groups: complete, mode, links: faults });
    return { changed: links.map((link) => ({ ...link, mode })), links: faults };
  }

  async heal(groups?: readonly (readonly string[])[]): Promise<LinkReport> {
    this.assertOpen();
    const proxies = this.proxies;
    if (proxies === undefined) return { changed: [], links: [] };
    const before = this.linkFaults();
    let complete: string[][] = [];
    let changed: LinkFault[];
    if (groups === undefined || groups.length === 0) {
      proxies.heal();
      changed = before.map((link) => ({ ...link, mode: 'ok' }));
    } else {
      complete = completeGroups(await this.resolveGroups(groups), this.names);
      const links = linksBetween(complete).filter(({ from, to }) => proxies.hasLink(from, to));
      for (const { from, to } of links) proxies.setLink(from, to, 'ok');
      changed = before
        .filter((fault) => links.some((link) => link.from === fault.from && link.to === fault.to))
        .map((link) => ({ ...link, mode: 'ok' }));
    }
    const faults = this.linkFaults();
    this.emit({ type: 'links-changed', action: 'heal', groups: complete, mode: 'ok', links: faults });
    return { changed, links: faults };
  }

  async events(options: { since?: number } = {}): Promise<ClusterEvent[]> {
    const since = options.since ?? 0;
    return this.eventLog.filter((event) => event.seq > since);
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stop(reason = 'stop requested'): Promise<StopReport> {
    if (this.stopPromise === undefined) {
      // Synchronously: from here on nothing new is spawned (spawnNode checks `stopping`).
      this.stopping = true;
      this.stopController.abort();
      this.emit({ type: 'lab-stopping', reason });
      this.stopPromise = this.doStop();
    }
    return this.stopPromise;
  }

  // ---------------------------------------------------------------------------------------------
  // Beyond ClusterHandle (the supervisor uses these)

  /** SIGKILL every process at once (a second Ctrl-C, or the supervisor's exit hook). Synchronous. */
  killAllNow(): void {
    this.stopping = true;
    for (const node of this.nodes.values()) {
      if (!node.process.alive) continue;
      node.process.expectedExit ??= 'stop';
      node.process.signal('SIGKILL');
      // A stopped process dies of SIGKILL too; no SIGCONT needed.
    }
  }

  /** The fault proxies' ports: `from` dials `port` to reach `service` of `to`. (Kept after they close.) */
  proxyPorts(): { from: string; to: string; service: string; port: number }[] {
    return [...this.proxyList];
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  // ---------------------------------------------------------------------------------------------
  // Start and stop

  private async doStart(): Promise<ClusterInfo> {
    const spec = this.spec;
    const began = performance.now();
    this.emit({
      type: 'lab-starting',
      impl: spec.zookeeper.impl,
      zookeepers: spec.zookeeper.count,
      brokers: spec.brokers.count,
      externalZooKeeper: spec.externalZooKeeper,
      portBase: spec.portBase,
    });
    for (const name of this.zookeeperNames) {
      const node = this.node(name);
      await mkdir(node.info.dataDir, { recursive: true });
      await writeFile(`${node.info.dataDir}/myid`, `${node.info.sid}\n`);
    }
    // Check that every node can be started before starting any.
    for (const node of this.nodes.values()) this.commandFor(node.info.name);
    if (this.options.faultProxies !== false && this.hasLinksToCut()) {
      this.proxies = await FaultProxyGroup.start({
        listenHost: spec.host,
        nodes: this.names.map((name) => ({ name, host: spec.host })),
        services: (from, to) => this.servicesDialed(from.name, to.name),
      });
      for (const from of this.names) {
        for (const to of this.names) {
          if (from === to) continue;
          for (const service of Object.keys(this.servicesDialed(from, to))) {
            this.proxyList.push({ from, to, service, port: this.proxies.address(from, to, service).port });
          }
        }
      }
    }
    for (const name of this.brokerNames) {
      await mkdir(brokerLogDir(spec, name), { recursive: true });
      await writeFile(
        this.node(name).info.config,
        renderServerProperties(spec, name, this.brokerRoutes(name)),
      );
    }
    for (const node of this.zookeeperNames.map((name) => this.node(name))) {
      const peers = new Map<number, PeerAddress>();
      for (const other of this.zookeeperNames.map((name) => this.node(name))) {
        if (other === node) continue;
        if (this.proxies === undefined) {
          // Without fault proxies the servers talk to each other directly.
          const ports = spec.ports.zookeepers[other.info.sid - 1];
          peers.set(other.info.sid, {
            host: other.info.host,
            quorumPort: ports.quorumPort,
            electionPort: ports.electionPort,
          });
          continue;
        }
        const quorum = this.proxies.address(node.info.name, other.info.name, 'quorum');
        const election = this.proxies.address(node.info.name, other.info.name, 'election');
        peers.set(other.info.sid, {
          host: quorum.host,
          quorumPort: quorum.port,
          electionPort: election.port,
        });
      }
      await writeFile(node.info.config, renderLabZooCfg({ spec, name: node.info.name, peers }));
    }
    this.assertOpen();
    const leader = await this.startEnsemble(began);
    const controller = await this.startBrokers();
    this.started = true;
    this.emit({
      type: 'lab-ready',
      leader,
      ...(this.brokerNames.length === 0 ? {} : { controller }),
      afterMs: round(performance.now() - began),
    });
    this.startRoleWatcher();
    return this.infoNow();
  }

  /** Spawns the ZooKeeper servers and waits until one leads and all serve; returns the leader (null: none of ours). */
  private async startEnsemble(began: number): Promise<string | null> {
    if (this.zookeeperNames.length === 0) return null;
    for (const name of this.zookeeperNames) this.spawnNode(name);

    const deadlineMs = this.options.readyTimeoutMs ?? 60_000;
    const deadline = began + deadlineMs;
    for (;;) {
      this.assertOpen();
      const crashed = this.zookeeperNames
        .map((name) => this.node(name))
        .filter((node) => !node.process.alive);
      if (crashed.length > 0) {
        const node = crashed[0];
        const exit = node.process.lastExit;
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_NODE_START,
          `${node.info.name} exited during start-up (${describeExit(exit)}); last lines of ${node.info.log}:\n${node.process.logTail()}`,
        );
      }
      const results = await this.queryAll(this.zookeeperNames);
      const leaders = this.zookeeperNames.filter((name) => {
        const mode = results.get(name)?.mode;
        return mode === 'leader' || mode === 'standalone';
      });
      const allServing = this.zookeeperNames.every((name) =>
        isServingMode(results.get(name)?.mode ?? 'down'),
      );
      if (leaders.length === 1 && allServing) return leaders[0];
      if (performance.now() >= deadline) {
        const seen = this.zookeeperNames
          .map((name) => `${name} ${results.get(name)?.mode ?? 'down'}`)
          .join(', ');
        const tails = this.zookeeperNames
          .filter((name) => !isServingMode(results.get(name)?.mode ?? 'down'))
          .map(
            (name) =>
              `--- last lines of ${this.node(name).info.log}:\n${this.node(name).process.logTail(15)}`,
          )
          .join('\n');
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT,
          `the ensemble did not elect a serving leader within ${deadlineMs / 1000} s (${seen})\n${tails}`,
        );
      }
      await this.pause100();
    }
  }

  /**
   * Spawns the brokers (ZooKeeper serves by now) and waits until every one is registered: its admin HTTP
   * answers GET /broker with a broker epoch. Returns the broker that holds the controller, if one said so.
   */
  private async startBrokers(): Promise<string | null> {
    if (this.brokerNames.length === 0) return null;
    this.assertOpen();
    for (const name of this.brokerNames) this.spawnNode(name);
    const began = performance.now();
    const deadlineMs = this.options.readyTimeoutMs ?? 60_000;
    for (;;) {
      this.assertOpen();
      const crashed = this.brokerNames.map((name) => this.node(name)).find((node) => !node.process.alive);
      if (crashed !== undefined) {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_NODE_START,
          `${crashed.info.name} exited during start-up (${describeExit(crashed.process.lastExit)}); last lines of ${crashed.info.log}:\n${crashed.process.logTail()}`,
        );
      }
      const results = await this.queryAll(this.brokerNames);
      const modes = this.brokerNames.map((name) => results.get(name)?.mode ?? 'down');
      if (modes.every(isBrokerServingMode))
        return this.brokerNames.find((name) => results.get(name)?.mode === 'controller') ?? null;
      if (performance.now() - began >= deadlineMs) {
        const waiting = this.brokerNames.filter(
          (name) => !isBrokerServingMode(results.get(name)?.mode ?? 'down'),
        );
        const seen = this.brokerNames.map((name, index) => `${name} ${modes[index]}`).join(', ');
        const tails = waiting
          .map(
            (name) =>
              `--- last lines of ${this.node(name).info.log}:\n${this.node(name).process.logTail(15)}`,
          )
          .join('\n');
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT,
          `the brokers did not all register in ZooKeeper (${connectString(this.spec)}) within ${deadlineMs / 1000} s (${seen})\n${tails}`,
        );
      }
      await this.pause100();
    }
  }

  private async doStop(): Promise<StopReport> {
    // Brokers first, while ZooKeeper still serves: they close their sessions, so /brokers/ids/<id> and
    // /controller go at once instead of after a session timeout.
    const brokers = await this.stopAll(this.brokerNames);
    const zookeepers = await this.stopAll(this.zookeeperNames);
    await this.proxies?.close();
    this.emit({ type: 'lab-stopped' });
    return { nodes: [...brokers, ...zookeepers] };
  }

  /** Stops the given nodes that run, in parallel; a node that cannot be stopped is left out of the report. */
  private async stopAll(names: readonly string[]): Promise<StopReport['nodes'][number][]> {
    // Let a start in progress notice; its errors are the caller's (start()) to report.
    const reports = await Promise.all(
      names
        .filter((name) => this.node(name).process.alive)
        .map(async (name) => {
          try {
            const report = await this.stopProcess(name, 'stop');
            return {
              node: name,
              pid: report.pid,
              signal: report.signal as 'SIGTERM' | 'SIGKILL',
              goneAfterMs: report.confirmedAfterMs,
            };
          } catch {
            return undefined;
          }
        }),
    );
    return reports.filter((report) => report !== undefined);
  }

  /** SIGTERM (with SIGCONT for a paused process), then SIGKILL after the deadline; resolves when gone. */
  private async stopProcess(name: string, reason: ExitReason): Promise<SignalReport> {
    const node = this.node(name);
    const pid = node.process.pid;
    if (pid === null) throw this.notRunning(name, reason);
    const wasPaused = node.process.state === 'paused';
    node.process.expectedExit = reason;
    const signalledAt = Date.now();
    const before = performance.now();
    node.process.signal('SIGTERM');
    // A stopped process keeps SIGTERM pending until it runs again.
    if (wasPaused) node.process.signal('SIGCONT');
    this.emit({ type: 'node-signalled', node: name, pid, signal: 'SIGTERM', reason });
    let exit = await node.process.waitForExit(this.options.stopTimeoutMs ?? 10_000);
    let signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM';
    if (exit === undefined) {
      signal = 'SIGKILL';
      node.process.signal('SIGKILL');
      this.emit({
        type: 'node-signalled',
        node: name,
        pid,
        signal: 'SIGKILL',
        reason: `${reason}: no exit ${(this.options.stopTimeoutMs ?? 10_000) / 1000} s after SIGTERM`,
      });
      exit = await node.process.waitForExit(this.options.killTimeoutMs ?? 10_000);
      if (exit === undefined) {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT,
          `${name} (pid ${pid}) is still there after SIGKILL`,
        );
      }
    }
    return signalReport(name, pid, signal, signalledAt, before, exit.atMonotonic, true, node.process.state);
  }

  private spawnNode(name: string): number {
    this.assertOpen();
    const node = this.node(name);
    const pid = node.process.spawn(this.commandFor(name));
    this.emit({ type: 'node-started', node: name, pid });
    return pid;
  }

  private commandFor(name: string): NodeCommand {
    const node = this.node(name);
    if (node.info.kind === 'broker') return brokerCommand(node.info.config);
    if (this.options.command !== undefined)
      return this.options.command(name, node.info.config, node.info.dataDir);
    return zookeeperCommand(this.spec.zookeeper.impl, node.info.config, node.info.dataDir);
  }

  private onNodeExit(name: string, exit: ExitInfo, expected: ExitReason | undefined): void {
    const node = this.node(name);
    node.process.state = expected === 'kill' ? 'killed' : expected === 'stop' ? 'stopped' : 'exited';
    this.emit({
      type: 'node-exited',
      node: name,
      pid: exit.pid,
      code: exit.code,
      signal: exit.signal,
      expected: expected !== undefined,
    });
    this.setMode(name, 'down');
  }

  // ---------------------------------------------------------------------------------------------
  // Asking the servers

  private async queryAll(names: readonly string[] = this.names): Promise<Map<string, QueryResult>> {
    const entries = await Promise.all(names.map(async (name) => [name, await this.queryNode(name)] as const));
    return new Map(entries);
  }

  /**
   * `srvr` to one server, GET /broker to one broker (unless paused or down). Updates the known mode,
   * newest query wins.
   */
  private async queryNode(name: string): Promise<QueryResult> {
    const node = this.node(name);
    const seq = ++node.querySeq;
    const pid = node.process.pid;
    let result = this.modeWithoutAsking(node);
    if (result === undefined) {
      try {
        result = await this.ask(node);
      } catch (error) {
        result = { mode: 'unreachable', error: error instanceof Error ? error.message : String(error) };
      }
      // The process may have been paused, killed or replaced while we asked.
      if (node.process.pid !== pid) result = this.modeWithoutAsking(node) ?? { mode: 'unreachable' };
      else result = this.modeWithoutAsking(node) ?? result;
      if (result.mode !== 'unreachable' && node.process.state === 'starting') node.process.state = 'running';
    }
    if (seq > node.appliedSeq) {
      node.appliedSeq = seq;
      this.setMode(name, result.mode);
    }
    return result;
  }

  private async ask(node: LabNode): Promise<QueryResult> {
    const timeoutMs = this.options.srvrTimeoutMs ?? 1000;
    if (node.info.kind === 'broker') {
      const broker = await fetchBrokerAdmin(node.info.adminUrl, timeoutMs);
      return { mode: brokerModeOf(broker), broker };
    }
    const report = parseSrvr(await fourLetterWord(node.info.host, node.info.clientPort, 'srvr', timeoutMs));
    return { mode: report.mode, report };
  }

  /** Does `mode` mean the node serves: a ZooKeeper server in a quorum, a registered broker? */
  private serves(name: string, mode: ServerMode): boolean {
    return this.node(name).info.kind === 'broker' ? isBrokerServingMode(mode) : isServingMode(mode);
  }

  private modeWithoutAsking(node: LabNode): QueryResult | undefined {
    if (!node.process.alive) return { mode: 'down' };
    if (node.process.state === 'paused') return { mode: 'paused' };
    return undefined;
  }

  /**
   * Asks `srvr` until `done(result)` or the deadline; undefined on deadline. Stops early when the
   * process is gone or (with `pid`) replaced.
   */
  private async waitUntil(
    name: string,
    timeoutMs: number,
    done: (result: QueryResult) => boolean,
    _what: string,
    pid?: number,
  ): Promise<QueryResult | undefined> {
    const deadline = performance.now() + timeoutMs;
    const node = this.node(name);
    for (;;) {
      if (this.stopping) return undefined;
      if (!node.process.alive) {
        if (pid !== undefined) return undefined;
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_NODE_START,
          `${name} exited during start-up (${describeExit(node.process.lastExit)}); last lines of ${node.info.log}:\n${node.process.logTail()}`,
        );
      }
      if (pid !== undefined && node.process.pid !== pid) return undefined;
      const result = await this.queryNode(name);
      if (done(result)) return result;
      if (performance.now() >= deadline) return undefined;
      await this.pause100();
    }
  }

  private setMode(name: string, mode: ServerMode): void {
    const node = this.node(name);
    if (node.mode === mode) return;
    const from = node.mode;
    node.mode = mode;
    this.emit({ type: 'role-changed', node: name, from, to: mode });
  }

  private startRoleWatcher(): void {
    const intervalMs = this.options.roleWatchIntervalMs ?? 1000;
    if (intervalMs <= 0 || this.watcherRunning) return;
    this.watcherRunning = true;
    const loop = async (): Promise<void> => {
      while (!this.stopping) {
        try {
          await delay(intervalMs, undefined, { signal: this.stopController.signal, ref: false });
        } catch {
          break; // stopping
        }
        await this.queryAll().catch(() => undefined);
      }
      this.watcherRunning = false;
    };
    void loop();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private async resolve(target: string): Promise<string> {
    if (!needsModes(target)) {
      const parsed = parseTarget(target, this.names);
      if (parsed.kind === 'node') return parsed.name;
    }
    // zk-leader and zk-follower are roles of ZooKeeper servers.
    const results = await this.queryAll(this.zookeeperNames);
    const modes = new Map([...results].map(([name, result]) => [name, result.mode]));
    return resolveTarget(target, this.zookeeperNames, modes);
  }

  /** Resolves partition groups; brokers are refused: no fault proxy sits in front of them. */
  private async resolveGroups(groups: readonly (readonly string[])[]): Promise<string[][]> {
    const resolved: string[][] = [];
    for (const group of groups) {
      const names: string[] = [];
      for (const target of group) names.push(await this.resolve(target));
      resolved.push(names);
    }
    return resolved;
  }

  /** Are there links a fault proxy could cut (between servers, broker and server, or brokers)? */
  private hasLinksToCut(): boolean {
    const servers = this.zookeeperNames.length;
    const brokers = this.brokerNames.length;
    return servers > 1 || brokers > 1 || (brokers > 0 && servers > 0);
  }

  /**
   * The service ports `from` dials on `to`: a server's quorum and election ports (from a server), its
   * client port (from a broker: its ZooKeeper session), a broker's listener for that peer (from a broker).
   * Servers never dial brokers.
   */
  private servicesDialed(from: string, to: string): Record<string, number> {
    const source = this.node(from).info;
    const target = this.node(to).info;
    if (target.kind === 'zookeeper') {
      const ports = this.spec.ports.zookeepers[target.sid - 1];
      if (source.kind === 'zookeeper') return { quorum: ports.quorumPort, election: ports.electionPort };
      return { client: ports.clientPort };
    }
    if (source.kind === 'zookeeper') return {};
    return { peer: this.spec.ports.brokers[target.sid - 1].peerPorts[source.sid - 1] };
  }

  /** zookeeper.connect and the peer listeners' advertised ports of a broker behind fault proxies. */
  private brokerRoutes(name: string): BrokerRoutes {
    const proxies = this.proxies;
    if (proxies === undefined) return {};
    const zookeeperConnect =
      this.zookeeperNames.length === 0
        ? undefined
        : this.zookeeperNames
            .map((zk) => {
              const address = proxies.address(name, zk, 'client');
              return `${address.host}:${address.port}`;
            })
            .join(',');
    const peerProxyPorts =
      this.brokerNames.length < 2
        ? undefined
        : this.brokerNames.map((peer) => (peer === name ? 0 : proxies.address(peer, name, 'peer').port));
    return {
      ...(zookeeperConnect === undefined ? {} : { zookeeperConnect }),
      ...(peerProxyPorts === undefined ? {} : { peerProxyPorts }),
    };
  }

  private exclusive<T>(name: string, operation: () => Promise<T>): Promise<T> {
    const node = this.node(name);
    const run = node.queue.then(operation, operation);
    node.queue = run.catch(() => undefined);
    return run;
  }

  private node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  private notRunning(name: string, operation: string): LabError {
    const node = this.node(name);
    const exit = node.process.lastExit;
    const how =
      node.process.state === 'killed'
        ? 'killed'
        : node.process.state === 'stopped'
          ? 'stopped'
          : `exited (${describeExit(exit)})`;
    return new LabError(
      LAB_ERROR_CODES.KZ_ERR_NODE_STATE,
      `cannot ${operation} ${name}: it is not running (${how}); start it again with \`kzlab restart ${name}\``,
    );
  }

  private assertOpen(): void {
    if (this.stopping) throw new LabError(LAB_ERROR_CODES.KZ_ERR_LAB_STOPPING, 'the lab is stopping');
  }

  private requireProxies(): FaultProxyGroup {
    if (this.proxies === undefined) {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST,
        !this.hasLinksToCut()
          ? this.zookeeperNames.length === 0
            ? 'this lab runs one broker and no ZooKeeper server of its own (--zookeeper-connect): there are no links to cut'
            : 'a lab of one server has no links between servers to cut'
          : this.options.faultProxies === false
            ? 'this lab runs without fault proxies (--direct-peers): its links cannot be cut'
            : 'the lab has not started yet',
      );
    }
    return this.proxies;
  }

  private linkFaults(): LinkFault[] {
    const proxies = this.proxies;
    if (proxies === undefined) return [];
    const matrix = proxies.matrix();
    const faults: LinkFault[] = [];
    matrix.nodes.forEach((from, i) => {
      matrix.nodes.forEach((to, j) => {
        const mode = matrix.modes[i][j];
        if (mode !== null && mode !== 'ok') faults.push({ from, to, mode });
      });
    });
    return faults;
  }

  private async waitForKernelState(pid: number, wanted: (state: string) => boolean): Promise<boolean> {
    if (!canReadProcessStates()) return false;
    const deadline = performance.now() + PAUSE_CONFIRM_TIMEOUT_MS;
    for (;;) {
      const state = kernelProcessState(pid);
      if (state === undefined) return false;
      if (wanted(state)) return true;
      if (performance.now() >= deadline) return false;
      // The kernel gives no notification for a stop we did not wait(2) for: poll briefly.
      await delay(2);
    }
  }

  /** The pause between two polls of `srvr` (no server pushes its mode to us); cut short by stop(). */
  private async pause100(): Promise<void> {
    try {
      await delay(100, undefined, { signal: this.stopController.signal });
    } catch {
      // stopping: the loop checks
    }
  }

  private controlUrlOf(): string {
    return this.options.controlUrl ?? controlUrl(this.spec);
  }

  private infoNow(): ClusterInfo {
    return {
      dataDir: this.spec.dataDir,
      impl: this.spec.zookeeper.impl,
      portBase: this.spec.portBase,
      connect: connectString(this.spec),
      bootstrap: bootstrapServers(this.spec),
      controlUrl: this.controlUrlOf(),
      supervisorPid: this.options.supervisorPid ?? process.pid,
      tickTimeMs: this.spec.zookeeper.tickTimeMs,
      nodes: this.names.map((name) => {
        const node = this.node(name);
        return { ...node.info, pid: node.process.pid, process: node.process.state };
      }),
    };
  }

  private emit(body: ClusterEventBody): void {
    const event = { seq: this.nextSeq++, at: Date.now(), ...body } as ClusterEvent;
    this.eventLog.push(event);
    const max = this.options.maxEvents ?? 5000;
    if (this.eventLog.length > max) this.eventLog.splice(0, this.eventLog.length - max);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's problem is not the lab's
      }
    }
  }

  /** True once start() has succeeded. */
  get isStarted(): boolean {
    return this.started;
  }
}

function srvrFields(report: SrvrReport): Partial<NodeStatus> {
  const { serving: _serving, mode: _mode, ...rest } = report;
  return rest;
}

function brokerFields(answer: BrokerAdminAnswer): Partial<NodeStatus> {
  return { controllerId: answer.controllerId, brokerEpoch: answer.brokerEpoch, clusterId: answer.clusterId };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function signalReport(
  node: string,
  pid: number,
  signal: SignalReport['signal'],
  signalledAt: number,
  before: number,
  after: number,
  confirmed: boolean,
  state: SignalReport['process'],
): SignalReport {
  const confirmedAfterMs = round(Math.max(0, after - before));
  return {
    node,
    pid,
    signal,
    signalledAt,
    confirmedAt: signalledAt + Math.round(confirmedAfterMs),
    confirmedAfterMs,
    confirmed,
    process: state,
  };
}

export function describeExit(exit: ExitInfo | undefined): string {
  if (exit === undefined) return 'no exit seen';
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  if (exit.code !== null) return `exit code ${exit.code}`;
  return 'could not be started';
}

/** `stall`, `reset`, `drop-new`, `ok`, `delay 200` (also `delay:200`, `delay=200`) → FaultMode. */
export function toFaultMode(text: string): FaultMode {
  try {
    return parseFaultMode(text.replace(/^delay[:=]/, 'delay '));
  } catch (error) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST,
      error instanceof Error ? error.message : String(error),
    );
  }
}
