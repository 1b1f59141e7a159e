// Scripted raw-protocol sessions for the differential test. Each scenario works under its own root
// path, closes its sessions at the end, and records everything through ScenarioContext so that two
// servers can be compared step by step (and so the lead can read exact Apache semantics from the golden).
import { createHash } from 'node:crypto';
import {
  CreateFlags,
  Perms,
  decode,
  type Acl,
  type MultiOp,
  type MultiReadOp,
} from '../../support/jute-probe.ts';
import { decoders, flagName, type Json, type Scenario, type ScenarioContext } from './differential-runner.ts';

const WORLD_ALL: Acl[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const WORLD_READ: Acl[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];

export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

function bytes(data: string | null): Buffer | null {
  return data === null ? null : Buffer.from(data, 'utf8');
}

function aclJson(acl: Acl[]): Json {
  return acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id }));
}

function multiOpJson(op: MultiOp): Json {
  const out: { [key: string]: Json } = { type: op.type, path: op.path };
  if ('data' in op && op.data !== undefined)
    out.data = op.data === null ? null : Buffer.from(op.data).toString('utf8');
  if ('flags' in op && op.flags !== undefined) out.flags = flagName(op.flags);
  if ('version' in op && op.version !== undefined) out.version = op.version;
  return out;
}

/** Short helpers that perform and record one operation each. */
function ops(ctx: ScenarioContext) {
  return {
    create: (s: string, path: string, data: string | null = '', flags = 0, acl: Acl[] = WORLD_ALL) =>
      ctx.op(
        s,
        'create',
        { path, data, flags: flagName(flags), ...(acl === WORLD_ALL ? {} : { acl: aclJson(acl) }) },
        (p) => p.create(path, bytes(data), flags, acl),
        decoders.path,
      ),
    create2: (s: string, path: string, data: string | null = '', flags = 0, acl: Acl[] = WORLD_ALL) =>
      ctx.op(
        s,
        'create2',
        { path, data, flags: flagName(flags), ...(acl === WORLD_ALL ? {} : { acl: aclJson(acl) }) },
        (p) => p.create2(path, bytes(data), flags, acl),
        decoders.pathAndStat,
      ),
    delete: (s: string, path: string, version = -1) =>
      ctx.op(s, 'delete', { path, version }, (p) => p.delete(path, version), decoders.empty),
    exists: (s: string, path: string, watch = false) =>
      ctx.op(s, 'exists', { path, watch }, (p) => p.exists(path, watch), decoders.stat),
    getData: (s: string, path: string, watch = false) =>
      ctx.op(s, 'getData', { path, watch }, (p) => p.getData(path, watch), decoders.dataAndStat),
    setData: (s: string, path: string, data: string | null, version = -1) =>
      ctx.op(
        s,
        'setData',
        { path, data, version },
        (p) => p.setData(path, bytes(data), version),
        decoders.stat,
      ),
    getACL: (s: string, path: string) =>
      ctx.op(s, 'getACL', { path }, (p) => p.getACL(path), decoders.aclAndStat),
    setACL: (s: string, path: string, acl: Acl[], version = -1) =>
      ctx.op(
        s,
        'setACL',
        { path, acl: aclJson(acl), version },
        (p) => p.setACL(path, acl, version),
        decoders.stat,
      ),
    getChildren: (s: string, path: string, watch = false) =>
      ctx.op(s, 'getChildren', { path, watch }, (p) => p.getChildren(path, watch), decoders.children),
    getChildren2: (s: string, path: string, watch = false) =>
      ctx.op(
        s,
        'getChildren2',
        { path, watch },
        (p) => p.getChildren2(path, watch),
        decoders.childrenAndStat,
      ),
    sync: (s: string, path: string) => ctx.op(s, 'sync', { path }, (p) => p.sync(path), decoders.path),
    multi: (s: string, list: MultiOp[]) =>
      ctx.op(s, 'multi', { ops: list.map(multiOpJson) }, (p) => p.multi(list), decoders.multi),
    multiRead: (s: string, list: MultiReadOp[]) =>
      ctx.op(
        s,
        'multiRead',
        { ops: list.map((o) => ({ type: o.type, path: o.path })) },
        (p) => p.multiRead(list),
        decoders.multi,
      ),
    addAuth: (s: string, scheme: string, auth: string) =>
      ctx.op(s, 'auth', { scheme, auth }, (p) => p.addAuth(scheme, Buffer.from(auth)), decoders.empty),
    getEphemerals: (s: string, prefix: string) =>
      ctx.op(s, 'getEphemerals', { prefix }, (p) => p.getEphemerals(prefix), decoders.strings),
    getAllChildrenNumber: (s: string, path: string) =>
      ctx.op(s, 'getAllChildrenNumber', { path }, (p) => p.getAllChildrenNumber(path), decoders.int),
    whoAmI: (s: string) => ctx.op(s, 'whoAmI', {}, (p) => p.whoAmI(), decoders.clientInfo),
    ping: (s: string) => ctx.op(s, 'ping', {}, (p) => p.ping(), decoders.empty),
    addWatch: (s: string, path: string, mode: 0 | 1) =>
      ctx.op(
        s,
        'addWatch',
        { path, mode: mode === 0 ? 'PERSISTENT' : 'PERSISTENT_RECURSIVE' },
        (p) => p.addWatch(path, mode),
        decoders.empty,
      ),
    removeWatches: (s: string, path: string, type: number) =>
      ctx.op(s, 'removeWatches', { path, type }, (p) => p.removeWatches(path, type), decoders.empty),
    checkWatches: (s: string, path: string, type: number) =>
      ctx.op(s, 'checkWatches', { path, type }, (p) => p.checkWatches(path, type), decoders.empty),
    setWatches: (
      s: string,
      relativeZxid: 'current' | 'zero',
      data: string[],
      exist: string[],
      child: string[],
    ) =>
      ctx.op(
        s,
        'setWatches',
        { relativeZxid, data, exist, child },
        (p) => p.setWatches(relativeZxid === 'zero' ? 0n : p.lastZxidSeen, data, exist, child),
        decoders.empty,
      ),
  };
}

const { PERSISTENT, EPHEMERAL, PERSISTENT_SEQUENTIAL, EPHEMERAL_SEQUENTIAL } = CreateFlags;

export const scenarios: Scenario[] = [
  {
    name: 'system-nodes',
    description:
      'Runs first, on a fresh server: /, /zookeeper, /zookeeper/quota, /zookeeper/config: data, Stat, ACL, children; writes to them.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      for (const path of ['/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
        await o.getData('A', path);
        await o.getChildren2('A', path);
        await o.getACL('A', path);
        await o.getAllChildrenNumber('A', path);
      }
      await o.getACL('A', '/');
      await o.getData('A', '/');
      await o.setData('A', '/zookeeper/config', 'x');
      await o.setData('A', '/zookeeper/quota', 'x');
      await o.getData('A', '/zookeeper/quota');
      await o.setData('A', '/zookeeper/quota', '');
      await o.create('A', '/zookeeper/config/c', '');
      await o.setACL('A', '/zookeeper/config', WORLD_ALL);
      await o.getEphemerals('A', '/zookeeper');
      await o.exists('A', '');
      await o.getData('A', '');
      await o.getChildren('A', '');
      await o.sync('A', '');
      await o.create('A', '/zookeeper/mine', 'm');
      await o.getChildren2('A', '/zookeeper');
      await o.delete('A', '/zookeeper/mine');
      await o.getChildren2('A', '/zookeeper');
    },
  },
  {
    name: 'create-modes',
    description:
      'create/create2 in every mode; parent Stat (cversion, numChildren, pzxid) after each; ephemeralOwner; data lengths.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/cm', 'root');
      await o.create2('A', '/cm/persistent', 'p', PERSISTENT);
      await o.exists('A', '/cm');
      await o.create2('A', '/cm/ephemeral', 'e', EPHEMERAL);
      await o.exists('A', '/cm');
      await o.create2('A', '/cm/pseq-', 'ps', PERSISTENT_SEQUENTIAL);
      await o.create2('A', '/cm/eseq-', 'es', EPHEMERAL_SEQUENTIAL);
      await o.create('A', '/cm/pseq-', 'ps', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/cm/eseq-', 'es', EPHEMERAL_SEQUENTIAL);
      await o.getChildren2('A', '/cm');
      await o.getData('A', '/cm/ephemeral');
      await o.getData('A', '/cm/persistent');
      await o.create('A', '/cm/persistent', 'again');
      await o.create2('A', '/cm/persistent', 'again');
      await o.create('A', '/cm/missing/child', 'x');
      await o.create('A', '/cm/empty', '');
      await o.create('A', '/cm/null', null);
      await o.getData('A', '/cm/empty');
      await o.getData('A', '/cm/null');
      await o.create('A', '/cm/unicode-ü', 'ünïcödé');
      await o.getData('A', '/cm/unicode-ü');
      await o.getChildren('A', '/cm');
    },
  },
  {
    name: 'sequential-numbering',
    description:
      'Sequence suffix = count of creates ever made under the parent (not cversion, which also counts deletes); ' +
      'trailing-slash sequential names; numbering across deletes, failures, multi and other sessions.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('B');
      const o = ops(ctx);
      await o.create('A', '/sq', '');
      await o.create('A', '/sq/n-', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/sq/n-', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/sq/n-', '', PERSISTENT_SEQUENTIAL);
      await o.delete('A', '/sq/n-0000000002');
      await o.exists('A', '/sq');
      await o.create('A', '/sq/n-', '', PERSISTENT_SEQUENTIAL);
      await o.exists('A', '/sq');
      await o.create('A', '/sq/plain', '');
      await o.create('A', '/sq/plain', '');
      await o.create('A', '/sq/other-', '', PERSISTENT_SEQUENTIAL);
      await o.create('B', '/sq/b-', '', EPHEMERAL_SEQUENTIAL);
      await o.create('A', '/sq/', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/sq/n-0000000000', '', PERSISTENT_SEQUENTIAL);
      await o.multi('A', [
        { type: 'create', path: '/sq/m-', flags: PERSISTENT_SEQUENTIAL },
        { type: 'create', path: '/sq/m-', flags: PERSISTENT_SEQUENTIAL },
        { type: 'delete', path: '/sq/does-not-exist' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/sq/m-', flags: PERSISTENT_SEQUENTIAL },
        { type: 'create2', path: '/sq/m-', flags: PERSISTENT_SEQUENTIAL },
      ]);
      await o.exists('A', '/sq');
      await ctx.close('B');
      await o.getChildren2('A', '/sq');
      await o.create('A', '/sq/n-', '', PERSISTENT_SEQUENTIAL);
      await o.exists('A', '/sq');
    },
  },
  {
    name: 'ephemeral-parent',
    description:
      'Children under an ephemeral node are refused with NOCHILDRENFOREPHEMERALS (all modes, also from another session).',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('B');
      const o = ops(ctx);
      await o.create('A', '/ep', '');
      await o.create('A', '/ep/e', 'x', EPHEMERAL);
      await o.create('A', '/ep/e/child', '', PERSISTENT);
      await o.create('A', '/ep/e/child', '', EPHEMERAL);
      await o.create('A', '/ep/e/s-', '', PERSISTENT_SEQUENTIAL);
      await o.create2('A', '/ep/e/s-', '', EPHEMERAL_SEQUENTIAL);
      await o.create('B', '/ep/e/child', '', PERSISTENT);
      await o.multi('A', [{ type: 'create', path: '/ep/e/m' }]);
      await o.exists('A', '/ep/e');
      await o.getEphemerals('A', '/ep');
      await o.getEphemerals('B', '/ep');
    },
  },
  {
    name: 'failed-writes-consume-zxids',
    description:
      'Every write request that reaches the leader gets a zxid even when it fails (an error txn is logged); ' +
      'reads return the last processed zxid. Watch the header zxids.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.exists('A', '/fw');
      await o.create('A', '/fw', 'v');
      await o.exists('A', '/fw');
      await o.create('A', '/fw', 'v');
      await o.exists('A', '/fw');
      await o.create('A', '/fw/no/parent', 'v');
      await o.setData('A', '/fw/none', 'v');
      await o.setData('A', '/fw', 'v', 42);
      await o.delete('A', '/fw/none');
      await o.create('A', '/fw/c', 'v');
      await o.delete('A', '/fw');
      await o.delete('A', '/fw', 99);
      await o.setACL('A', '/fw/none', WORLD_ALL);
      await o.setACL('A', '/fw', WORLD_ALL, 7);
      await o.getData('A', '/fw');
      await o.sync('A', '/fw');
      await o.getData('A', '/fw');
      await o.ping('A');
    },
  },
  {
    name: 'multi-success',
    description:
      'A multi with every write op kind: per-op results, one zxid for the whole transaction, Stats in results.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/ms', '');
      await o.multi('A', [
        { type: 'create', path: '/ms/a', data: bytes('1') },
        { type: 'create2', path: '/ms/b', data: bytes('2') },
        { type: 'create', path: '/ms/s-', data: null, flags: PERSISTENT_SEQUENTIAL },
        { type: 'create', path: '/ms/e', data: bytes('e'), flags: EPHEMERAL },
        { type: 'setData', path: '/ms/a', data: bytes('11'), version: 0 },
        { type: 'check', path: '/ms/a', version: 1 },
        { type: 'check', path: '/ms/b', version: -1 },
        { type: 'delete', path: '/ms/b', version: 0 },
        { type: 'setData', path: '/ms', data: bytes('parent') },
      ]);
      await o.getChildren2('A', '/ms');
      await o.getData('A', '/ms/a');
      await o.exists('A', '/ms/e');
      await o.multi('A', []);
      await o.exists('A', '/ms');
      await o.multi('A', [{ type: 'check', path: '/ms', version: 1 }]);
    },
  },
  {
    name: 'multi-failure',
    description:
      'All-or-nothing: when one op fails, results before it are error(OK), the failing op its error, ' +
      'those after it RUNTIMEINCONSISTENCY; the reply header err is OK and a zxid is consumed.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('W');
      const o = ops(ctx);
      await o.create('A', '/mf', '');
      await o.create('A', '/mf/x', 'x');
      await o.exists('W', '/mf/new', true);
      await o.getData('W', '/mf/x', true);
      await o.multi('A', [
        { type: 'create', path: '/mf/new', data: bytes('n') },
        { type: 'setData', path: '/mf/x', data: bytes('y') },
        { type: 'setData', path: '/mf/missing', data: bytes('z') },
        { type: 'delete', path: '/mf/x' },
        { type: 'check', path: '/mf', version: 0 },
      ]);
      await ctx.events('W');
      await o.exists('A', '/mf/new');
      await o.getData('A', '/mf/x');
      await o.exists('A', '/mf');
      await o.multi('A', [
        { type: 'check', path: '/mf/x', version: 5 },
        { type: 'create', path: '/mf/new' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/mf/new' },
        { type: 'create', path: '/mf/x' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/mf/a' },
        { type: 'delete', path: '/mf/nope' },
        { type: 'create', path: '/mf/x' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/mf/dup' },
        { type: 'create', path: '/mf/dup' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/mf/p' },
        { type: 'create', path: '/mf/p/c' },
        { type: 'delete', path: '/mf/p' },
      ]);
      await o.multi('A', [
        { type: 'create', path: '/mf/q' },
        { type: 'create', path: '/mf/q/c' },
        { type: 'delete', path: '/mf/q/c' },
        { type: 'delete', path: '/mf/q' },
      ]);
      await o.multi('A', [{ type: 'create', path: 'bad-path' }]);
      await o.multi('A', [
        { type: 'create', path: '/mf/ok' },
        { type: 'create', path: '/mf/bad/' },
      ]);
      await o.multi('A', [{ type: 'check', path: '/mf/nope' }]);
      await o.multi('A', [{ type: 'delete', path: '/mf', version: 3 }]);
      await o.getChildren2('A', '/mf');
      await ctx.events('W');
    },
  },
  {
    name: 'multi-read',
    description: 'multiRead (op 22): not atomic; each op answers on its own, errors inline.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/mr', 'parent');
      await o.create('A', '/mr/a', 'a');
      await o.multiRead('A', [
        { type: 'getData', path: '/mr' },
        { type: 'getChildren', path: '/mr' },
        { type: 'getData', path: '/mr/nope' },
        { type: 'getChildren', path: '/mr/nope' },
        { type: 'getData', path: '/mr/a' },
      ]);
      await o.multiRead('A', []);
    },
  },
  {
    name: 'set-data-versions',
    description: 'setData with exact, -1 (any), wrong and other negative versions; Stat after each.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/sd', 'v0');
      await o.setData('A', '/sd', 'v1', 0);
      await o.setData('A', '/sd', 'v2', 0);
      await o.setData('A', '/sd', 'v2', 1);
      await o.setData('A', '/sd', 'v3', -1);
      await o.setData('A', '/sd', 'v4', -2);
      await o.setData('A', '/sd', 'v4', 100);
      await o.setData('A', '/sd', '', 3);
      await o.setData('A', '/sd', null, 4);
      await o.getData('A', '/sd');
      await o.setData('A', '/sd', 'same', -1);
      await o.setData('A', '/sd', 'same', -1);
      await o.getData('A', '/sd');
      await o.setData('A', '/sd/none', 'x', 0);
    },
  },
  {
    name: 'delete-rules',
    description:
      'delete: NONODE, NOTEMPTY, BADVERSION (which is checked first?), root and /zookeeper refused.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/dl', '');
      await o.create('A', '/dl/c', '');
      await o.delete('A', '/dl');
      await o.delete('A', '/dl', 5);
      await o.delete('A', '/dl', 0);
      await o.delete('A', '/dl/none');
      await o.delete('A', '/dl/none', 3);
      await o.delete('A', '/dl/c', 1);
      await o.delete('A', '/dl/c', 0);
      await o.delete('A', '/dl/c', 0);
      await o.exists('A', '/dl');
      await o.delete('A', '/dl', 0);
      await o.delete('A', '/');
      await o.delete('A', '/zookeeper');
      await o.delete('A', '/zookeeper/quota');
      await o.delete('A', '/zookeeper/config');
      await o.exists('A', '/zookeeper');
    },
  },
  {
    name: 'children-and-counts',
    description:
      'getChildren/getChildren2 (children sorted here: Apache returns hash order), getAllChildrenNumber, getEphemerals.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('B');
      const o = ops(ctx);
      await o.create('A', '/cc', 'd');
      await o.getChildren('A', '/cc');
      await o.getChildren2('A', '/cc');
      for (const name of ['a', 'b', 'c']) await o.create('A', `/cc/${name}`, name);
      await o.create('A', '/cc/a/x', '');
      await o.create('A', '/cc/a/x/y', '');
      await o.create('A', '/cc/ea', '', EPHEMERAL);
      await o.create('B', '/cc/eb', '', EPHEMERAL);
      await o.create('B', '/cc/a/eb-', '', EPHEMERAL_SEQUENTIAL);
      await o.getChildren('A', '/cc');
      await o.getChildren2('A', '/cc');
      await o.getChildren2('A', '/cc/a/x/y');
      await o.getChildren('A', '/cc/none');
      await o.getChildren2('A', '/cc/none');
      await o.getAllChildrenNumber('A', '/cc');
      await o.getAllChildrenNumber('A', '/cc/a');
      await o.getAllChildrenNumber('A', '/cc/a/x/y');
      await o.getAllChildrenNumber('A', '/cc/none');
      await o.getEphemerals('A', '/cc');
      await o.getEphemerals('B', '/cc');
      await o.getEphemerals('B', '/cc/a');
      await o.getEphemerals('B', '/cc/e');
      await o.getEphemerals('B', '/c');
      await o.getEphemerals('B', '/nothing');
      await o.getEphemerals('B', '/');
      await o.getEphemerals('B', '');
    },
  },
  {
    name: 'watch-exists-create',
    description:
      'exists with watch on a missing node (NONODE) leaves a watch that fires NodeCreated; one-shot.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('W');
      const o = ops(ctx);
      await o.create('A', '/wx', '');
      await o.exists('W', '/wx/n', true);
      await ctx.events('W');
      await o.create('A', '/wx/n', '1');
      await ctx.events('W');
      await o.setData('A', '/wx/n', '2');
      await ctx.events('W');
      await o.getData('W', '/wx/missing', true);
      await o.getChildren('W', '/wx/missing', true);
      await o.create('A', '/wx/missing', '');
      await ctx.events('W');
      await o.exists('W', '/wx/n', true);
      await o.delete('A', '/wx/n');
      await ctx.events('W');
      await o.exists('W', '/wx/self', true);
      await o.create('W', '/wx/self', '');
      await ctx.events('W');
    },
  },
  {
    name: 'watch-data-and-children',
    description:
      'Data and child watches: NodeDataChanged, NodeChildrenChanged, NodeDeleted; one event per watcher per txn; ' +
      'order of events triggered by one txn.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('W');
      const o = ops(ctx);
      await o.create('A', '/wd', '');
      await o.create('A', '/wd/n', 'v');
      await o.getData('W', '/wd/n', true);
      await o.exists('W', '/wd/n', true);
      await o.setData('A', '/wd/n', 'v2');
      await ctx.events('W');
      await o.setData('A', '/wd/n', 'v3');
      await ctx.events('W');
      await o.getChildren('W', '/wd', true);
      await o.create('A', '/wd/c1', '');
      await ctx.events('W');
      await o.create('A', '/wd/c2', '');
      await ctx.events('W');
      await o.getChildren2('W', '/wd', true);
      await o.setData('A', '/wd', 'parent data');
      await ctx.events('W');
      await o.delete('A', '/wd/c2');
      await ctx.events('W');
      await o.getData('W', '/wd/n', true);
      await o.getChildren('W', '/wd/n', true);
      await o.getChildren('W', '/wd', true);
      await o.getData('W', '/wd', true);
      await o.delete('A', '/wd/n');
      await ctx.events('W');
      await o.setData('A', '/wd', 'x');
      await ctx.events('W');
      await o.getData('W', '/wd/c1', true);
      await o.getChildren('W', '/wd', true);
      await o.multi('A', [
        { type: 'setData', path: '/wd/c1', data: bytes('m') },
        { type: 'create', path: '/wd/c3' },
        { type: 'delete', path: '/wd/c1' },
      ]);
      await ctx.events('W');
      await o.getData('W', '/wd', true);
      await o.setData('W', '/wd', 'own write');
      await ctx.events('W');
    },
  },
  {
    name: 'sync-and-check',
    description: 'sync answers with the path (even for a missing node); check inside multi against versions.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/sy', '');
      await o.sync('A', '/sy');
      await o.sync('A', '/sy/missing');
      await o.sync('A', '/');
      await o.setData('A', '/sy', 'a');
      await o.multi('A', [{ type: 'check', path: '/sy', version: 1 }]);
      await o.multi('A', [{ type: 'check', path: '/sy', version: 0 }]);
      await o.multi('A', [{ type: 'check', path: '/sy/missing', version: -1 }]);
      await o.multi('A', [
        { type: 'check', path: '/sy', version: 1 },
        { type: 'setData', path: '/sy', data: bytes('b'), version: 1 },
        { type: 'check', path: '/sy', version: 2 },
      ]);
      await o.getData('A', '/sy');
    },
  },
  {
    name: 'acl',
    description:
      'setACL/getACL with aversion checks, invalid ACLs, digest auth, NOAUTH on reads and writes, world read-only, ' +
      'exists is not ACL-checked, auth scheme, ip scheme, whoAmI.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('B');
      const o = ops(ctx);
      const alice = digestId('alice', 'secret');
      const aliceAll: Acl[] = [{ perms: Perms.ALL, id: { scheme: 'digest', id: alice } }];
      await o.create('A', '/acl', 'd');
      await o.create('A', '/acl/n', 'd');
      await o.getACL('A', '/acl/n');
      await o.setACL('A', '/acl/n', WORLD_ALL, 0);
      await o.setACL('A', '/acl/n', WORLD_ALL, 0);
      await o.setACL('A', '/acl/n', WORLD_ALL, 1);
      await o.setACL('A', '/acl/n', WORLD_ALL, -1);
      await o.setACL('A', '/acl/n', WORLD_ALL, -2);
      await o.getACL('A', '/acl/n');
      await o.setACL('A', '/acl/n', []);
      await o.setACL('A', '/acl/n', [{ perms: Perms.ALL, id: { scheme: 'nosuchscheme', id: 'x' } }]);
      await o.setACL('A', '/acl/n', [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'no-hash' } }]);
      await o.setACL('A', '/acl/n', [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]);
      await o.setACL('A', '/acl/n', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'someone' } }]);
      await o.setACL('A', '/acl/n', [{ perms: Perms.ALL, id: { scheme: 'ip', id: 'not-an-ip' } }]);
      await o.setACL('A', '/acl/n', [
        { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
        { perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } },
      ]);
      await o.getACL('A', '/acl/n');
      await o.setACL('A', '/acl/n', WORLD_READ);
      await o.getACL('A', '/acl/n');
      await o.setACL('A', '/acl/n', WORLD_ALL);
      await o.setData('A', '/acl/n', 'x');
      await o.create('A', '/acl/n/c', '');
      await o.delete('A', '/acl/n');
      await o.create('A', '/acl/zero', '', PERSISTENT, [{ perms: 0, id: { scheme: 'world', id: 'anyone' } }]);
      await o.getACL('A', '/acl/zero');
      await o.getData('A', '/acl/zero');
      await o.exists('A', '/acl/zero');
      await o.delete('A', '/acl/zero');
      await o.setACL('A', '/acl/none', WORLD_ALL);
      await o.create('A', '/acl/empty-acl', '', PERSISTENT, []);
      await o.create('A', '/acl/ro', 'ro', PERSISTENT, WORLD_READ);
      await o.setData('B', '/acl/ro', 'x');
      await o.create('B', '/acl/ro/c', '');
      await o.delete('A', '/acl/ro');
      await o.getData('B', '/acl/ro');
      await o.setACL('B', '/acl/ro', WORLD_ALL);
      await o.create('A', '/acl/alice', 'secret data', PERSISTENT, aliceAll);
      await o.getData('B', '/acl/alice');
      await o.exists('B', '/acl/alice');
      await o.getChildren('B', '/acl/alice');
      await o.getChildren2('B', '/acl/alice');
      await o.getACL('B', '/acl/alice');
      await o.getAllChildrenNumber('B', '/acl/alice');
      await o.setData('B', '/acl/alice', 'x');
      await o.sync('B', '/acl/alice');
      await o.addAuth('B', 'digest', 'alice:wrong');
      await o.getData('B', '/acl/alice');
      await o.addAuth('B', 'digest', 'alice:secret');
      await o.whoAmI('B');
      await o.getData('B', '/acl/alice');
      await o.setData('B', '/acl/alice', 'changed');
      await o.getACL('B', '/acl/alice');
      await o.create('B', '/acl/alice/child', '', PERSISTENT, [
        { perms: Perms.ALL, id: { scheme: 'auth', id: '' } },
      ]);
      await o.getACL('B', '/acl/alice/child');
      await o.getData('A', '/acl/alice/child');
      await o.delete('A', '/acl/alice/child');
      await o.exists('A', '/acl/alice');
      // DELETE permission is checked on the parent, not on the node being deleted.
      await o.delete('A', '/acl/alice');
      await o.multi('A', [
        { type: 'create', path: '/acl/free' },
        { type: 'setData', path: '/acl/alice', data: bytes('no') },
      ]);
      await o.multi('A', [{ type: 'check', path: '/acl/alice', version: 1 }]);
      await o.create('A', '/acl/ip', '', PERSISTENT, [
        { perms: Perms.ALL, id: { scheme: 'ip', id: '127.0.0.1' } },
      ]);
      await o.getData('A', '/acl/ip');
      await o.create('A', '/acl/ip-other', '', PERSISTENT, [
        { perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.0/8' } },
      ]);
      await o.getData('A', '/acl/ip-other');
      await o.delete('A', '/acl/ip-other');
      await o.create('A', '/acl/admin-only', '', PERSISTENT, [
        { perms: Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } },
      ]);
      await o.getACL('A', '/acl/admin-only');
      await o.getData('A', '/acl/admin-only');
      await o.whoAmI('A');
      await o.addAuth('A', 'digest', 'no-colon');
      await o.whoAmI('A');
      await o.addAuth('A', 'digest', 'alice:secret');
      await o.addAuth('A', 'digest', 'alice:secret');
      await o.whoAmI('A');
    },
  },
  {
    name: 'auth-failed',
    description:
      'addAuth with an unknown scheme: AUTHFAILED reply (xid -4) and the server closes the connection.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.addAuth('A', 'nosuchscheme', 'x');
      await ctx.expectClosedByServer('A');
    },
  },
  {
    name: 'invalid-paths',
    description:
      'Malformed paths sent raw (client libraries refuse them locally): writes → BADARGUMENTS (with a zxid) or ' +
      'NONODE, reads → NONODE.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/ip', '');
      await o.create('A', '', '');
      await o.setData('A', '', 'x');
      await o.delete('A', '');
      const paths = [
        'relative',
        '/ip/',
        '/ip//x',
        '/ip/./x',
        '/ip/../x',
        '/ip/.',
        '/ip/..',
        '/ip/x\u0000y',
        '/ip/\u0001',
      ];
      for (const path of paths) {
        await o.create('A', path, '');
        await o.exists('A', path);
        await o.getData('A', path);
        await o.setData('A', path, 'x');
        await o.delete('A', path);
        await o.getChildren('A', path);
        await o.sync('A', path);
      }
      await o.create('A', '/ip/', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/ip/./', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/ip/.', '', PERSISTENT_SEQUENTIAL);
      await o.create('A', '/', '');
      await o.create('A', '/zookeeper', '');
      await o.getChildren('A', '/ip');
    },
  },
  {
    name: 'session-close-ephemerals',
    description:
      "closeSession deletes the session's ephemerals in one txn (one zxid): parent pzxid/cversion, watches of " +
      'another session fire; getEphemerals before/after.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('E');
      const o = ops(ctx);
      await o.create('A', '/sc', '');
      await o.create('A', '/sc/p2', '');
      await o.create('E', '/sc/e1', '1', EPHEMERAL);
      await o.create('E', '/sc/e2-', '2', EPHEMERAL_SEQUENTIAL);
      await o.create('E', '/sc/p2/e3', '3', EPHEMERAL);
      await o.create('E', '/sc/persistent', '', PERSISTENT);
      await o.getEphemerals('E', '/');
      await o.getChildren('A', '/sc', true);
      await o.exists('A', '/sc/e1', true);
      await o.getData('A', '/sc/p2/e3', true);
      await o.getChildren('A', '/sc/p2', true);
      await o.getChildren2('A', '/sc');
      await ctx.close('E');
      await ctx.events('A');
      await o.getChildren2('A', '/sc');
      await o.getChildren2('A', '/sc/p2');
      await o.exists('A', '/sc/e1');
      await o.getEphemerals('A', '/');
    },
  },
  {
    name: 'session-reattach',
    description:
      'Re-attach with sessionId+password on a new connection (old connection closed by the server); wrong password, ' +
      'unknown session, lastZxidSeen ahead of the server; timeout negotiation; ConnectRequest without readOnly byte.',
    async run(ctx) {
      const a = await ctx.open('A', { sessionTimeoutMs: 10_000 });
      const o = ops(ctx);
      await o.create('A', '/ra', '');
      await o.create('A', '/ra/e', 'mine', EPHEMERAL);
      await o.exists('A', '/ra/e', true);
      const sessionId = a.sessionId;
      const passwd = a.connectResponse.passwd;
      await ctx.open('A2', { sessionId, passwd, lastZxidSeen: a.lastZxidSeen, sessionTimeoutMs: 10_000 });
      await ctx.expectClosedByServer('A');
      await o.exists('A2', '/ra/e');
      await o.create('A2', '/ra/e2', '', EPHEMERAL);
      await ctx.open('Wrong', { sessionId, passwd: Buffer.alloc(16, 7) });
      await ctx.expectClosedByServer('Wrong');
      // Apache closes the session's current connection before it checks the password.
      await ctx.expectClosedByServer('A2');
      await ctx.open('A3', { sessionId, passwd, sessionTimeoutMs: 10_000 });
      await o.exists('A3', '/ra/e2');
      await ctx.open('Unknown', { sessionId: 0x7777n, passwd: Buffer.alloc(16) });
      await ctx.expectClosedByServer('Unknown');
      await ctx.open('T1', { sessionTimeoutMs: 100 });
      await ctx.open('T2', { sessionTimeoutMs: 1_000_000 });
      await ctx.open('T3', { sessionTimeoutMs: 5_001 });
      await ctx.open('T4', { sessionTimeoutMs: 0 });
      await ctx.open('NoRO', { readOnlyByte: null });
      await ctx.open('RO', { readOnlyByte: true });
      await o.create('RO', '/ra/ro', '');
      let error = 'none';
      try {
        const p = await ctx.open('Future', { lastZxidSeen: a.lastZxidSeen + 1_000_000n });
        p.destroy();
      } catch (e) {
        error = e instanceof Error ? e.name : String(e);
      }
      ctx.note('connectWithLastZxidSeenAhead', error);
      await ctx.close('A3');
      await ctx.open('Closed', { sessionId, passwd });
      await ctx.expectClosedByServer('Closed');
      await ctx.open('B');
      await o.exists('B', '/ra/e');
      await o.exists('B', '/ra/e2');
      await o.getChildren2('B', '/ra');
    },
  },
  {
    name: 'set-watches',
    description:
      'SetWatches (op 101, xid -8) after a reconnect: watches re-registered with relativeZxid fire at once for ' +
      'changes newer than relativeZxid, else are armed.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('W');
      const o = ops(ctx);
      await o.create('A', '/sw', '');
      await o.create('A', '/sw/d', 'd');
      await o.create('A', '/sw/gone', 'g');
      await o.exists('W', '/sw');
      await o.setWatches(
        'W',
        'current',
        ['/sw/d', '/sw/gone', '/sw/never'],
        ['/sw/e', '/sw/d'],
        ['/sw', '/sw/never'],
      );
      await ctx.events('W');
      await o.create('A', '/sw/e', '');
      await o.setData('A', '/sw/d', 'd2');
      await o.delete('A', '/sw/gone');
      await ctx.events('W');
      await o.setWatches(
        'W',
        'zero',
        ['/sw/d', '/sw/never'],
        ['/sw/e', '/sw/never'],
        ['/sw', '/sw/d', '/sw/never'],
      );
      await ctx.events('W');
      await o.setWatches('W', 'current', [], [], []);
      await ctx.events('W');
    },
  },
  {
    name: 'persistent-watches',
    description:
      'addWatch PERSISTENT and PERSISTENT_RECURSIVE (3.6+), removeWatches/checkWatches and NOWATCHER.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('W');
      const o = ops(ctx);
      await o.create('A', '/pw', '');
      await o.addWatch('W', '/pw', 0);
      await o.addWatch('W', '/pw/r', 1);
      await o.create('A', '/pw/c', '');
      await o.setData('A', '/pw', '1');
      await o.setData('A', '/pw', '2');
      await o.create('A', '/pw/r', '');
      await o.create('A', '/pw/r/x', '');
      await o.create('A', '/pw/r/x/y', '');
      await o.setData('A', '/pw/r/x/y', 'v');
      await o.delete('A', '/pw/r/x/y');
      await ctx.events('W');
      await o.checkWatches('W', '/pw', 3);
      await o.removeWatches('W', '/pw', 3);
      await o.removeWatches('W', '/pw', 3);
      await o.checkWatches('W', '/pw', 3);
      await o.setData('A', '/pw', '3');
      await ctx.events('W');
      await o.getData('W', '/pw', true);
      await o.getChildren('W', '/pw', true);
      await o.checkWatches('W', '/pw', 2);
      await o.removeWatches('W', '/pw', 2);
      await o.checkWatches('W', '/pw', 2);
      await o.checkWatches('W', '/pw', 1);
      await o.removeWatches('W', '/pw', 1);
      await ctx.events('W');
      await o.removeWatches('W', '/pw/none', 3);
      await o.setData('A', '/pw', '4');
      await o.create('A', '/pw/c2', '');
      await ctx.events('W');
    },
  },
  {
    name: 'container-and-ttl',
    description:
      'createContainer (op 19) works; createTTL (op 21) is UNIMPLEMENTED without extendedTypesEnabled and uses no zxid.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/ct', '');
      await ctx.op(
        'A',
        'createContainer',
        { path: '/ct/box' },
        (p) => p.createContainer('/ct/box', null),
        decoders.pathAndStat,
      );
      await o.create('A', '/ct/box/item', '');
      await o.exists('A', '/ct/box');
      await ctx.op(
        'A',
        'createTTL',
        { path: '/ct/ttl', ttl: 1000 },
        (p) => p.createTTL('/ct/ttl', null, 5, 1000n),
        decoders.pathAndStat,
      );
      await o.exists('A', '/ct');
      await o.create('A', '/ct/flag4', '', CreateFlags.CONTAINER);
      await o.create('A', '/ct/flag5', '', CreateFlags.PERSISTENT_WITH_TTL);
      await o.create('A', '/ct/flag9', '', 9);
      await o.exists('A', '/ct');
    },
  },
  {
    name: 'standalone-check-quirk',
    description:
      'A bare check request (op 13, not inside multi) in Apache 3.8.0: when the check passes it consumes a zxid but ' +
      'the server never replies (NPE while serializing, "Destruction averted"); failing checks get a normal error ' +
      'reply. The connection stays open and later requests work.',
    async run(ctx) {
      await ctx.open('A');
      const o = ops(ctx);
      await o.create('A', '/cq', '');
      await ctx.opMaybeNoReply('A', 'check', { path: '/cq', version: 0 }, (p) => p.check('/cq', 0));
      await o.exists('A', '/cq');
      await ctx.opMaybeNoReply('A', 'check', { path: '/cq/none', version: 0 }, (p) => p.check('/cq/none', 0));
      await ctx.opMaybeNoReply('A', 'check', { path: '/cq', version: 5 }, (p) => p.check('/cq', 5));
      await ctx.opMaybeNoReply('A', 'check', { path: '/cq', version: -1 }, (p) => p.check('/cq', -1));
      await o.exists('A', '/cq');
    },
  },
  {
    name: 'packet-size-limit',
    description:
      'A request frame whose length field is above jute.maxbuffer (default 0xfffff = 1048575) makes the server close ' +
      'the connection without a reply; exactly 1048575 is accepted.',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('B');
      const o = ops(ctx);
      await o.create('A', '/ps', '');
      // setData frame payload = 8 (header) + 4+3 (path) + 4+n (data) + 4 (version) = 23 + n.
      const largest = 1_048_575 - 23;
      await ctx.op(
        'A',
        'setData',
        { path: '/ps', dataLength: largest, framePayload: 1_048_575 },
        (p) => p.setData('/ps', Buffer.alloc(largest, 0x61)),
        decoders.stat,
      );
      await ctx.opMaybeNoReply(
        'B',
        'setData',
        { path: '/ps', dataLength: largest + 1, framePayload: 1_048_576 },
        (p) => p.setData('/ps', Buffer.alloc(largest + 1, 0x62)),
      );
      await o.exists('A', '/ps');
    },
  },
  {
    name: 'hash-order',
    description:
      'Apache returns getChildren/getChildren2 lists and getEphemerals in Java HashSet iteration order and deletes ' +
      "a closing session's ephemerals in that order too (see FINDINGS.md); this scenario records the raw order " +
      '(every other scenario sorts).',
    async run(ctx) {
      await ctx.open('A');
      await ctx.open('E');
      const o = ops(ctx);
      await o.create('A', '/ho', '');
      const names = [
        'zeta',
        'alpha',
        'm1',
        'B',
        'a',
        'e-0000000000',
        'container',
        'q',
        'Zed',
        '0',
        'longer-name-here',
        'x',
        'ab',
        'ba',
      ];
      for (const [i, name] of names.entries()) {
        await o.create('A', `/ho/${name}`, '');
        if (i === 1 || i === 5 || i === 6 || i === 12 || i === 13) {
          await ctx.op(
            'A',
            'getChildren',
            { path: '/ho', order: 'server' },
            (p) => p.getChildren('/ho'),
            decoders.childrenInServerOrder,
          );
        }
      }
      await o.delete('A', '/ho/m1');
      await o.delete('A', '/ho/zeta');
      await o.create('A', '/ho/zeta', '');
      await ctx.op(
        'A',
        'getChildren2',
        { path: '/ho', order: 'server' },
        (p) => p.getChildren2('/ho'),
        (body, c) => {
          const r = decode.childrenAndStat(body);
          return { children: r.children, stat: c.stat(r.stat) };
        },
      );
      await o.create('A', '/ho/eph', '');
      for (const name of ['e9', 'e1', 'zz', 'aa', 'mm', 'n1', 'n2', 'n3', 'n4', 'n5']) {
        await o.create('E', `/ho/eph/${name}`, '', EPHEMERAL);
      }
      await ctx.op(
        'E',
        'getEphemerals',
        { prefix: '/', order: 'server' },
        (p) => p.getEphemerals('/'),
        decoders.stringsInServerOrder,
      );
      await ctx.op(
        'E',
        'getEphemerals',
        { prefix: '/ho/eph/n', order: 'server' },
        (p) => p.getEphemerals('/ho/eph/n'),
        decoders.stringsInServerOrder,
      );
      await ctx.op(
        'A',
        'getChildren',
        { path: '/ho/eph', order: 'server' },
        (p) => p.getChildren('/ho/eph'),
        decoders.childrenInServerOrder,
      );
      for (const name of ['e9', 'e1', 'zz', 'aa', 'mm', 'n1', 'n2', 'n3', 'n4', 'n5'])
        await o.exists('A', `/ho/eph/${name}`, true);
      await ctx.close('E');
      await ctx.events('A');
      await ctx.op(
        'A',
        'multiRead',
        { ops: [{ type: 'getChildren', path: '/ho' }], order: 'server' },
        (p) => p.multiRead([{ type: 'getChildren', path: '/ho' }]),
        (body): Json => ({
          results: decode
            .multi(body)
            .map((r): Json =>
              r.type === 'getChildren' ? { type: r.type, children: r.children } : { type: r.type },
            ),
        }),
      );
    },
  },
];

/** Slow scenarios (real waits for session expiry), run separately. */
export const slowScenarios: Scenario[] = [
  {
    name: 'session-expiry',
    description:
      'A session whose connection is dropped expires after its timeout (4 s min): its ephemerals are deleted, ' +
      'watchers notified; re-attaching afterwards gets timeOut 0 / sessionId 0 and a closed connection.',
    async run(ctx) {
      await ctx.open('A');
      const x = await ctx.open('X', { sessionTimeoutMs: 4_000 });
      const o = ops(ctx);
      await o.create('A', '/se', '');
      await o.create('X', '/se/e', '', EPHEMERAL);
      await o.exists('A', '/se/e', true);
      const sessionId = x.sessionId;
      const passwd = x.connectResponse.passwd;
      ctx.drop('X');
      const a = ctx.probe('A');
      await a.waitForEvents(1, 20_000);
      await ctx.events('A');
      await o.getChildren2('A', '/se');
      await ctx.open('X2', { sessionId, passwd });
      await ctx.expectClosedByServer('X2');
    },
  },
];
