#!/usr/bin/python3
"""One scripted kazoo session for golden-byte capture (see capture-zookeeper-golden.ts).

argv: <proxied host:port> <direct host:port>. The session goes through the recording proxy; changes
that must trigger watch notifications are made by a second client connected directly (not recorded).
Prints "RESTART" and waits for a line on stdin while the driver restarts the server, so kazoo
reconnects with the same session (ConnectRequest with sessionId, password and lastZxidSeen) and re-sends
its auth packets. Note: kazoo 2.8 never sends SetWatches; on connection loss it fires every pending watch
with a None event and forgets them (its recipes re-register by themselves).
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError
from kazoo.security import make_digest_acl

proxied, direct = sys.argv[1], sys.argv[2]
WAIT = 10.0


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


zk = KazooClient(hosts=proxied, timeout=4.0)
zk.start(timeout=WAIT)
other = KazooClient(hosts=direct, timeout=10.0, connection_retry={"max_tries": -1, "delay": 0.05})
other.start(timeout=WAIT)

zk.create("/kg", b"kazoo")
zk.create("/kg/e", b"", ephemeral=True)
zk.create("/kg/s-", b"", sequence=True)
zk.create("/kg/with-stat", b"abc", include_data=True)
zk.get("/kg")
zk.set("/kg", b"v1", version=0)
try:
    zk.set("/kg", b"v2", version=0)
except BadVersionError:
    pass
try:
    zk.get("/kg/missing")
except NoNodeError:
    pass
zk.get_children("/kg")
zk.get_children("/kg", include_data=True)

fired = threading.Event()
zk.exists("/kg/watched", watch=lambda event: fired.set())
other.create("/kg/watched", b"")
fired.wait(WAIT)

t = zk.transaction()
t.create("/kg/t1", b"1")
t.check("/kg", 1)
t.set_data("/kg/t1", b"2")
t.commit()
t = zk.transaction()
t.create("/kg/t2")
t.delete("/kg/none")
t.commit()

zk.add_auth("digest", "alice:secret")
zk.create("/kg/private", b"p", acl=[make_digest_acl("alice", "secret", all=True)])
zk.get_acls("/kg/private")
zk.sync("/kg")

# Idle long enough for kazoo to ping (it pings well within a third of the 4 s session timeout).
time.sleep(2.0)

# Watches to be carried over a reconnect: data watch, child watch, exists watch on a missing node.
changed = threading.Event()
zk.get("/kg", watch=lambda event: changed.set())
zk.get_children("/kg/watched", watch=lambda event: None)
zk.exists("/kg/later", watch=lambda event: None)

say("RESTART")
sys.stdin.readline()
deadline = time.time() + WAIT
while time.time() < deadline and not zk.connected:
    time.sleep(0.02)
zk.exists("/kg")  # a round trip on the new connection
changed.wait(WAIT)  # already fired with a None event at the disconnect

zk.delete("/kg", recursive=True)
zk.stop()
zk.close()
other.stop()
other.close()
say("DONE")
