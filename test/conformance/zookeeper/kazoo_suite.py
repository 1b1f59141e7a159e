#!/usr/bin/python3
"""Kazoo conformance suite for kzlab's ZooKeeper tests.

Run with Debian's interpreter (which has kazoo 2.8): /usr/bin/python3 kazoo_suite.py 127.0.0.1:PORT
Prints one line "KAZOO_SUMMARY {json}" with a result per check; kazoo.test.ts asserts on it.
Every wait is bounded; a check that raises is reported with its traceback, the others still run.
"""
import json
import sys
import threading
import time
import traceback

import kazoo
from kazoo.client import KazooClient
from kazoo.exceptions import (
    BadVersionError,
    NoAuthError,
    NoNodeError,
    NodeExistsError,
    NotEmptyError,
    RolledBackError,
    RuntimeInconsistency,
)
from kazoo.protocol.states import EventType, KazooState
from kazoo.security import make_digest_acl

HOSTS = sys.argv[1]
ROOT = sys.argv[2] if len(sys.argv) > 2 else "/kazoo"
WAIT = 10.0

results = []
clients = []


def new_client(**kwargs):
    client = KazooClient(hosts=HOSTS, timeout=10.0, **kwargs)
    client.start(timeout=WAIT)
    clients.append(client)
    return client


def check(fn):
    started = time.time()
    entry = {"name": fn.__name__, "ok": False}
    try:
        detail = fn()
        entry["ok"] = True
        if detail is not None:
            entry["detail"] = detail
    except Exception as error:  # noqa: BLE001 - report every failure
        entry["error"] = "%s: %s" % (type(error).__name__, error)
        entry["traceback"] = traceback.format_exc()
    entry["seconds"] = round(time.time() - started, 3)
    results.append(entry)
    return fn


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_raises(exception, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exception:
        return
    raise AssertionError("expected %s from %s%r" % (exception.__name__, fn.__name__, args))


def wait_until(predicate, what, timeout=WAIT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def join_all(threads, what):
    for t in threads:
        t.join(WAIT)
        expect(not t.is_alive(), "thread still running: %s" % what)


zk = new_client()
zk.ensure_path(ROOT)


@check
def basics():
    path = ROOT + "/basics"
    created = zk.create(path, b"hello")
    expect(created == path, "create returned %r" % created)
    data, stat = zk.get(path)
    expect(data == b"hello", "data %r" % data)
    expect(stat.version == 0 and stat.dataLength == 5 and stat.numChildren == 0, "stat %r" % (stat,))
    expect(stat.czxid == stat.mzxid == stat.pzxid, "zxids %r" % (stat,))
    stat2 = zk.set(path, b"world", version=0)
    expect(stat2.version == 1 and stat2.mzxid > stat.mzxid, "set stat %r" % (stat2,))
    expect_raises(BadVersionError, zk.set, path, b"x", version=0)
    expect_raises(NodeExistsError, zk.create, path)
    expect_raises(NoNodeError, zk.get, ROOT + "/missing")
    expect(zk.exists(ROOT + "/missing") is None, "exists on missing node is None")
    zk.create(path + "/child")
    expect_raises(NotEmptyError, zk.delete, path)
    expect_raises(BadVersionError, zk.delete, path + "/child", version=4)
    zk.delete(path, recursive=True)
    expect(zk.exists(path) is None, "recursive delete")
    deep = zk.create(ROOT + "/deep/a/b/c", b"x", makepath=True)
    expect(deep == ROOT + "/deep/a/b/c", "makepath %r" % deep)
    zk.ensure_path(ROOT + "/deep/a/b/c")
    return {"stat": list(stat)}


@check
def create_modes_and_create2():
    base = ROOT + "/modes"
    zk.ensure_path(base)
    e = zk.create(base + "/e", b"", ephemeral=True)
    s = zk.create(base + "/s-", b"", sequence=True)
    es = zk.create(base + "/es-", b"", ephemeral=True, sequence=True)
    expect(s == base + "/s-0000000001" and es == base + "/es-0000000002", "sequence names %r %r" % (s, es))
    path, stat = zk.create(base + "/with-stat", b"abc", include_data=True)
    expect(path == base + "/with-stat" and stat.dataLength == 3 and stat.version == 0, "create2 %r %r" % (path, stat))
    owner = zk.exists(e).ephemeralOwner
    expect(owner == zk.client_id[0], "ephemeralOwner %x vs session %x" % (owner, zk.client_id[0]))
    children, parent = zk.get_children(base, include_data=True)
    expect(sorted(children) == sorted(["e", "s-0000000001", "es-0000000002", "with-stat"]), "children %r" % children)
    expect(parent.numChildren == 4 and parent.cversion == 4, "parent stat %r" % (parent,))
    return {"sequential": [s, es]}


@check
def transactions():
    base = ROOT + "/txn"
    zk.ensure_path(base)
    t = zk.transaction()
    t.create(base + "/a", b"1")
    t.create(base + "/b", b"2")
    t.set_data(base + "/a", b"11", version=0)
    t.check(base + "/a", 1)
    t.delete(base + "/b")
    results_ok = t.commit()
    expect(results_ok[0] == base + "/a" and results_ok[1] == base + "/b", "results %r" % results_ok)
    expect(results_ok[3] is True and results_ok[4] is True, "check/delete results %r" % results_ok)
    t = zk.transaction()
    t.create(base + "/c")
    t.set_data(base + "/missing", b"x")
    t.create(base + "/d")
    failed = t.commit()
    expect(isinstance(failed[0], RolledBackError), "first result %r" % failed)
    expect(isinstance(failed[1], NoNodeError), "second result %r" % failed)
    # Ops after the failing one carry RUNTIMEINCONSISTENCY (-2) on the wire, ops before it OK (0).
    expect(isinstance(failed[2], RuntimeInconsistency), "third result %r" % failed)
    expect(zk.exists(base + "/c") is None, "rolled back")
    return {"ok": [str(r) for r in results_ok], "failed": [type(r).__name__ for r in failed]}


@check
def acl_and_auth():
    base = ROOT + "/acl"
    zk.ensure_path(base)
    alice = new_client(auth_data=[("digest", "alice:secret")])
    acl = make_digest_acl("alice", "secret", all=True)
    alice.create(base + "/private", b"s3cret", acl=[acl])
    data, _ = alice.get(base + "/private")
    expect(data == b"s3cret", "alice reads")
    expect_raises(NoAuthError, zk.get, base + "/private")
    expect(zk.exists(base + "/private") is not None, "exists is not ACL-checked")
    acls, stat = alice.get_acls(base + "/private")
    expect(len(acls) == 1 and acls[0].id.scheme == "digest" and acls[0].perms == 31, "acls %r" % acls)
    zk.add_auth("digest", "alice:secret")
    data, _ = zk.get(base + "/private")
    expect(data == b"s3cret", "after add_auth")
    return {"acl": str(acls[0].id.id)}


@check
def sync_and_server_info():
    expect(zk.sync(ROOT) == ROOT, "sync returns the path")
    ruok = zk.command(b"ruok")
    expect(ruok == "imok", "ruok %r" % ruok)
    version = zk.server_version()
    expect(version is not None and version[:2] == (3, 8), "server_version %r" % (version,))
    srvr = zk.command(b"srvr")
    expect(any(("Mode: %s" % m) in srvr for m in ("standalone", "leader", "follower")), "srvr %r" % srvr)
    return {"server_version": list(version), "client_id": "%x" % zk.client_id[0]}


@check
def watches_one_shot():
    path = ROOT + "/watch"
    other = new_client()
    events = []
    fired = threading.Event()

    def watcher(event):
        events.append((event.type, event.path))
        fired.set()

    expect(zk.exists(path, watch=watcher) is None, "missing")
    other.create(path, b"1")
    expect(fired.wait(WAIT), "NodeCreated")
    fired.clear()
    zk.get(path, watch=watcher)
    other.set(path, b"2")
    expect(fired.wait(WAIT), "NodeDataChanged")
    fired.clear()
    other.set(path, b"3")  # the data watch was one-shot
    zk.get_children(path, watch=watcher)
    other.create(path + "/c")
    expect(fired.wait(WAIT), "NodeChildrenChanged")
    expect(events == [(EventType.CREATED, path), (EventType.CHANGED, path), (EventType.CHILD, path)], "events %r" % events)
    return {"events": [e[0] for e in events]}


@check
def data_watch_and_children_watch():
    path = ROOT + "/dw"
    other = new_client()
    data_seen = []
    children_seen = []

    zk.ensure_path(ROOT + "/cw")

    @zk.DataWatch(path)
    def on_data(data, stat, event):
        data_seen.append(data)

    @zk.ChildrenWatch(ROOT + "/cw")
    def on_children(children):
        children_seen.append(sorted(children))

    wait_until(lambda: data_seen == [None], "initial DataWatch call")
    other.create(path, b"a")
    wait_until(lambda: data_seen[-1:] == [b"a"], "DataWatch sees create")
    other.set(path, b"b")
    wait_until(lambda: data_seen[-1:] == [b"b"], "DataWatch sees set")
    other.delete(path)
    wait_until(lambda: data_seen[-1:] == [None], "DataWatch sees delete")
    wait_until(lambda: children_seen == [[]], "initial ChildrenWatch call")
    other.create(ROOT + "/cw/x")
    wait_until(lambda: children_seen[-1:] == [["x"]], "ChildrenWatch sees x")
    other.create(ROOT + "/cw/y")
    wait_until(lambda: children_seen[-1:] == [["x", "y"]], "ChildrenWatch sees y")
    other.delete(ROOT + "/cw/x")
    wait_until(lambda: children_seen[-1:] == [["y"]], "ChildrenWatch sees delete")
    return {"data": [d.decode() if d else None for d in data_seen], "children": children_seen}


@check
def lock_two_contenders():
    path = ROOT + "/lock"
    c1, c2 = new_client(), new_client()
    lock1 = c1.Lock(path, "first")
    lock2 = c2.Lock(path, "second")
    expect(lock1.acquire(timeout=WAIT), "first acquires")
    expect(not lock2.acquire(blocking=False), "second must not get the lock")
    got = []

    def contend():
        got.append(lock2.acquire(timeout=WAIT))

    t = threading.Thread(target=contend)
    t.start()
    wait_until(lambda: len(lock1.contenders()) == 2, "two contenders")
    contenders = lock1.contenders()
    lock1.release()
    join_all([t], "second acquire")
    expect(got == [True], "second acquires after release: %r" % got)
    expect(lock2.is_acquired, "lock2 held")
    lock2.release()
    return {"contenders": contenders}


@check
def election():
    path = ROOT + "/election"
    c1, c2 = new_client(), new_client()
    e1 = c1.Election(path, "one")
    e2 = c2.Election(path, "two")
    leaders = []
    stop = threading.Event()

    def lead(name):
        leaders.append(name)
        stop.wait(WAIT)

    t1 = threading.Thread(target=e1.run, args=(lead, "one"))
    t1.start()
    wait_until(lambda: leaders == ["one"], "first leader")
    t2 = threading.Thread(target=e2.run, args=(lead, "two"))
    t2.start()
    wait_until(lambda: len(e1.contenders()) == 2, "two contenders")
    contenders = e1.contenders()
    stop.set()  # leader one returns: its lock is released, two takes over
    wait_until(lambda: leaders == ["one", "two"], "second leader")
    join_all([t1, t2], "election threads")
    return {"contenders": contenders, "leaders": leaders}


@check
def counter():
    c = zk.Counter(ROOT + "/counter")
    c += 5
    c -= 2
    c += 10
    expect(c.value == 13, "value %r" % c.value)
    f = zk.Counter(ROOT + "/fcounter", default=0.0)
    f += 1.5
    expect(f.value == 1.5, "float value %r" % f.value)
    return {"value": c.value}


@check
def barrier():
    b = zk.Barrier(ROOT + "/barrier")
    b.create()
    expect(not b.wait(timeout=0.2), "barrier holds")
    other = new_client()
    passed = []
    t = threading.Thread(target=lambda: passed.append(other.Barrier(ROOT + "/barrier").wait(timeout=WAIT)))
    t.start()
    b.remove()
    join_all([t], "barrier waiter")
    expect(passed == [True], "waiter passed %r" % passed)


@check
def double_barrier():
    path = ROOT + "/double"
    c1, c2 = new_client(), new_client()
    log = []
    lock = threading.Lock()

    def participant(client, name):
        db = client.DoubleBarrier(path, 2, identifier=name)
        db.enter()
        with lock:
            log.append("in-" + name)
        db.leave()
        with lock:
            log.append("out-" + name)

    threads = [threading.Thread(target=participant, args=(c, n)) for c, n in ((c1, "a"), (c2, "b"))]
    for t in threads:
        t.start()
    join_all(threads, "double barrier participants")
    expect(sorted(log[:2]) == ["in-a", "in-b"] and sorted(log[2:]) == ["out-a", "out-b"], "log %r" % log)
    return {"log": log}


@check
def queues():
    q = zk.Queue(ROOT + "/queue")
    q.put(b"one")
    q.put(b"two")
    q.put(b"urgent", priority=1)
    expect(len(q) == 3, "len %d" % len(q))
    got = [q.get(), q.get(), q.get(), q.get()]
    expect(got == [b"urgent", b"one", b"two", None], "queue order %r" % got)
    lq = zk.LockingQueue(ROOT + "/lqueue")
    lq.put(b"a")
    lq.put_all([b"b", b"c"])
    first = lq.get(timeout=WAIT)
    expect(first == b"a" and lq.holds_lock(), "locking queue get %r" % first)
    expect(lq.consume(), "consume")
    expect(len(lq) == 2, "len after consume %d" % len(lq))
    second = lq.get(timeout=WAIT)
    expect(lq.release(), "release")
    expect(lq.get(timeout=WAIT) == second, "released entry comes back")
    lq.consume()
    return {"queue": [g.decode() if g else None for g in got]}


@check
def party_and_semaphore():
    c1, c2 = new_client(), new_client()
    p1 = c1.Party(ROOT + "/party", "p1")
    p2 = c2.Party(ROOT + "/party", "p2")
    p1.join()
    p2.join()
    # c1 and c2 may be on different servers of an ensemble: ZooKeeper promises each client its own order,
    # not other clients' latest writes, so c1 syncs before it reads what c2 wrote (as the docs say to).
    c1.sync(ROOT + "/party")
    members = sorted(list(p1))
    expect(members == ["p1", "p2"] and len(p1) == 2, "party %r" % members)
    p2.leave()
    c1.sync(ROOT + "/party")
    expect(sorted(list(p1)) == ["p1"], "after leave")
    s1 = c1.Semaphore(ROOT + "/sem", "s1", max_leases=1)
    s2 = c2.Semaphore(ROOT + "/sem", "s2", max_leases=1)
    expect(s1.acquire(timeout=WAIT), "s1 acquires")
    expect(not s2.acquire(blocking=False), "s2 blocked")
    expect(s1.lease_holders() == ["s1"], "holders %r" % s1.lease_holders())
    s1.release()
    expect(s2.acquire(timeout=WAIT), "s2 acquires after release")
    s2.release()
    return {"members": members}


@check
def ephemerals_vanish_with_session():
    owner = new_client()
    path = ROOT + "/eph"
    zk.ensure_path(path)
    owner.create(path + "/e", b"", ephemeral=True)
    gone = threading.Event()

    def on_event(event):
        if event.type == EventType.DELETED:
            gone.set()

    zk.exists(path + "/e", watch=on_event)
    owner.stop()
    owner.close()
    expect(gone.wait(WAIT), "NodeDeleted after the owner's session closed")
    expect(zk.exists(path + "/e") is None, "ephemeral gone")


@check
def connection_states():
    states = []
    c = KazooClient(hosts=HOSTS, timeout=10.0)
    c.add_listener(lambda s: states.append(s))
    c.start(timeout=WAIT)
    c.stop()
    c.close()
    expect(states == [KazooState.CONNECTED, KazooState.LOST], "states %r" % states)
    return {"states": states}


for client in clients:
    try:
        client.stop()
        client.close()
    except Exception:  # noqa: BLE001
        pass

summary = {
    "kazoo": getattr(kazoo, "__version__", None) or __import__("kazoo.version").version.__version__,
    "passed": sum(1 for r in results if r["ok"]),
    "failed": sum(1 for r in results if not r["ok"]),
    "results": results,
}
print("KAZOO_SUMMARY " + json.dumps(summary))
sys.stdout.flush()
