// The dashboard's words in English and Korean. Protocol identifiers (LEADING, zxid, ISR, SIGKILL, znode
// paths) stay in English in both, as upstream spells them; the Korean follows the glossary in
// shared/reference/kafka-zk-era.md §8.2. Templates take {name} parameters.

export const LANGUAGES = ['en', 'ko'];

const en = {
  'panel.drills': 'Failure drills',
  'panel.drills.hint':
    'Pick a drill, read what it will do, and predict what happens: your choice starts it. It breaks the lab, watches, checks the outcome by itself and brings the lab back.',
  'drills.choose': 'Drill',
  'drills.predict': 'Predict — your answer starts the drill:',
  'drills.running': 'Running…',
  'drills.busy': 'Another drill is running: {name}',
  'drills.verdict.pass': 'PASS: the lab did what the check expected',
  'drills.verdict.fail': 'FAIL: the check did not hold',
  'drills.prediction.right': 'Your prediction [{id}] was right.',
  'drills.prediction.wrong': 'Your prediction [{id}] was wrong: the answer is [{answer}].',
  'drills.measured': 'Measured',
  'drills.error': 'The drill could not run: {message}',
  title: 'kzlab — ZooKeeper-era Kafka, live',
  subtitle: 'Real processes on this machine. Break them and watch what happens.',
  live: 'live',
  reconnecting: 'reconnecting…',
  'connect.zookeeper': 'ZooKeeper connect string',
  'connect.bootstrap': 'Kafka bootstrap servers',
  'heal.all': 'Heal all links',
  'heal.all.hint': 'Reconnect every ZooKeeper server to every other (ends all partitions).',

  'panel.ensemble': 'ZooKeeper ensemble',
  'panel.ensemble.hint': 'The servers elect one leader; writes need a majority (quorum) to acknowledge them.',
  'panel.brokers': 'Brokers and controller',
  'panel.brokers.hint':
    'Each broker registers an ephemeral znode; one broker is the controller and elects partition leaders.',
  'panel.topics': 'Topics and partitions',
  'panel.topics.hint':
    'Each partition has one leader; followers copy it. Consumers read up to the high watermark.',
  'panel.tree': 'znode tree',
  'panel.tree.hint':
    'What Kafka keeps in ZooKeeper, live. Hover a znode for what it is; click it for its data and Stat.',
  'panel.timeline': 'Event timeline',
  'panel.timeline.hint': 'What the lab did and what the dashboard saw happen, newest first.',

  'quorum.summary': '{serving} of {size} servers serving · a quorum needs {majority}',
  'quorum.survives': 'Survives {count} more failure(s)',
  'quorum.survives.none': 'One more failure stops the ensemble',
  'quorum.lost': 'No quorum: the ensemble does not serve',

  'role.LEADING': 'LEADING',
  'role.FOLLOWING': 'FOLLOWING',
  'role.LOOKING': 'LOOKING',
  'role.OBSERVING': 'OBSERVING',
  'role.STANDALONE': 'STANDALONE',
  'role.PAUSED': 'PAUSED',
  'role.DOWN': 'DOWN',
  'role.UNKNOWN': 'no answer',
  'role.help.LEADING': 'The leader: orders every write (zxid) and commits it once a quorum has logged it.',
  'role.help.FOLLOWING': "A follower: logs the leader's proposals, acknowledges them, serves reads.",
  'role.help.STANDALONE':
    'A single server without an ensemble: no quorum to wait for, and no failure it survives.',
  'role.help.OBSERVING': 'An observer: follows the leader but does not vote.',
  'role.help.LOOKING': 'Looking for a leader (FastLeaderElection): it serves no clients meanwhile.',
  'role.help.PAUSED': 'Frozen with SIGSTOP: the process exists but answers nothing.',
  'role.help.DOWN': 'No process (killed or exited).',
  'role.help.UNKNOWN': 'The process runs but its AdminServer did not answer in time.',

  'process.running': 'running',
  'process.starting': 'starting',
  'process.paused': 'paused',
  'process.killed': 'killed',
  'process.exited': 'exited',
  'process.stopped': 'stopped',

  'field.epoch': 'epoch',
  'field.epoch.help': "currentEpoch: the leader's term; the high 32 bits of every zxid it issues.",
  'field.zxid': 'last zxid',
  'field.zxid.help': 'The last transaction this server applied, as epoch:counter.',
  'field.zab': 'Zab phase',
  'field.connections': 'client connections',
  'field.znodes': 'znodes',
  'field.pid': 'pid',
  'field.port': 'port',
  'field.brokerEpoch': 'broker epoch',
  'field.brokerEpoch.help': 'czxid of /brokers/ids/<id>: changes with every new registration.',
  cutoff: 'cut off from {peers}',
  'cutoff.help': 'A network partition separates this server from the others.',

  'controller.line': 'Controller: {broker} · controller epoch {epoch}',
  'controller.none': 'No controller right now',
  'badge.controller': 'CONTROLLER',
  'badge.registered': 'registered',
  'badge.registered.help':
    "/brokers/ids/{id} exists (ephemeral, lives as long as the broker's ZooKeeper session).",
  'badge.unregistered': 'not registered',
  'badge.unregistered.help': '/brokers/ids/{id} does not exist: the controller treats this broker as dead.',

  'action.kill': 'kill',
  'action.kill.help': 'SIGKILL: the process dies at once, without closing anything.',
  'action.pause': 'pause',
  'action.pause.help': 'SIGSTOP: the process freezes; its TCP connections stay open but nothing answers.',
  'action.resume': 'resume',
  'action.resume.help': 'SIGCONT: the frozen process continues.',
  'action.restart': 'restart',
  'action.restart.help': 'Stop (SIGTERM) and start again on the same data directory.',
  'action.partition': 'partition',
  'action.partition.help': "Cut this server's links to every other ZooKeeper server (both directions).",
  'action.heal': 'heal',
  'action.heal.help': "Reconnect this server's links.",
  'action.brokers.nopartition':
    'Brokers are not behind fault proxies: only ZooKeeper servers can be partitioned.',
  'action.sent': '{action} {node}…',
  'action.done': '{action} {node}: done',
  'action.failed': '{action} {node} failed: {message}',

  'topics.none':
    'No topics yet. Create one with any Kafka client (kafkajs, kcat) against the bootstrap servers above.',
  'topics.partition': 'partition',
  'topics.leader': 'leader',
  'topics.leaderEpoch': 'leader epoch',
  'topics.replicas': 'replicas (ISR in green)',
  'topics.offsets': 'offsets per replica',
  'topics.offline': 'OFFLINE',
  'topics.offline.help': 'No leader: nobody can produce to or consume from this partition.',
  'topics.urp': 'under-replicated',
  'topics.urp.help': 'The ISR is smaller than the replica set: a follower fell behind or its broker is down.',
  'topics.legend':
    'Bar: log end offset (LEO, next offset to write) · line: high watermark (HW, consumers read below it) · log start offset at the left',
  'topics.nooffsets': 'no data from this broker',
  'replica.leader': 'leader',
  'replica.inIsr': 'in ISR',
  'replica.outIsr': 'not in ISR',

  'tree.empty': 'The tree appears once ZooKeeper answers.',
  'tree.stale': 'Showing the last tree read: {error}',
  'tree.truncated': 'Only the first {count} znodes are shown.',
  'tree.select': 'Select a znode to see its data and Stat.',
  'tree.data': 'data',
  'tree.nodata': '(no data)',
  'tree.stat': 'Stat',
  'tree.ephemeral': 'ephemeral',
  'tree.ephemeral.help': 'Ephemeral znode: deleted when the session that created it ends.',
  'tree.persistent': 'persistent',
  'tree.sequential': 'sequential',
  'tree.owner': 'owned by session {session}',
  'stat.czxid': 'zxid of the create',
  'stat.mzxid': 'zxid of the last data change',
  'stat.pzxid': 'zxid of the last child change',
  'stat.ctime': 'created',
  'stat.mtime': 'last modified',
  'stat.version': 'data version (the zkVersion of conditional writes)',
  'stat.cversion': 'children version',
  'stat.aversion': 'ACL version',
  'stat.ephemeralOwner': 'owning session (0x0: persistent)',
  'stat.dataLength': 'data length (bytes)',
  'stat.numChildren': 'number of children',

  'timeline.filter': 'node',
  'timeline.all': 'all nodes',
  'timeline.empty': 'Nothing yet.',
  'source.observed': 'seen by the dashboard',
  'source.lab': 'done by the lab',

  'event.lab-starting': 'Lab starting: {zookeepers} ZooKeeper server(s), {brokers} broker(s)',
  'event.lab-ready': 'Lab ready: ZooKeeper leader {leader}, controller {controller}',
  'event.lab-stopping': 'Lab stopping ({reason})',
  'event.lab-stopped': 'Lab stopped',
  'event.node-started': '{node} started (pid {pid})',
  'event.node-kill': '{node} killed ({signal})',
  'event.node-pause': '{node} paused ({signal})',
  'event.node-resume': '{node} resumed ({signal})',
  'event.node-restart': '{node} stopped for a restart ({signal})',
  'event.node-stop': '{node} stopping ({signal})',
  'event.node-signal': '{node}: {signal} ({reason})',
  'event.node-exited': '{node} exited (code {code}, signal {signal})',
  'event.node-crashed': '{node} died unexpectedly (code {code}, signal {signal})',
  'event.partition': 'Network partition: {groups}',
  'event.heal': 'Links healed: {groups}',
  'event.heal-all': 'All links healed',
  'event.zk-leader-elected': '{node} is the new ZooKeeper leader (epoch {epoch})',
  'event.zk-role': '{node}: {from} → {to}',
  'event.quorum-lost': 'Quorum lost: {serving} serving, {majority} needed',
  'event.quorum-regained': 'Quorum back: leader {leader}, {serving} serving',
  'event.controller-moved': 'Controller moved: {from} → {to} (controller epoch {epoch})',
  'event.controller-gone': 'No controller: /controller was deleted (was {from})',
  'event.broker-registered': '{node} registered (/brokers/ids/{id} created)',
  'event.broker-deregistered': '{node} gone from /brokers/ids (its ZooKeeper session ended)',
  'event.partition-leader': '{topic}-{partition}: leader {from} → {to} (leader epoch {leaderEpoch})',
  'event.isr-shrink': '{topic}-{partition}: ISR shrank [{from}] → [{to}]',
  'event.isr-expand': '{topic}-{partition}: ISR grew [{from}] → [{to}]',
  'event.isr-change': '{topic}-{partition}: ISR [{from}] → [{to}]',
  none: 'none',
  'learners.help':
    "The leader's followers (learners): their Zab sync phase (UPTODATE = synchronised, serving) and when the leader last heard from each.",
  'learners.heard': 'heard {seconds} s ago',
  'learners.now': 'heard < 1 s ago',
  'panel.glossary': 'Glossary',
  'panel.glossary.hint': 'The words on this page in English and Korean (the Korean study notes use these).',
  'glossary.meaning': 'meaning',
  'ensemble.external': 'The brokers use a ZooKeeper this lab does not run ({connect}): nothing to show here.',
  'heal.all.toast': 'all links',
  'quorum.majority': 'a majority: {majority} of {size}',
  'topics.lag': 'lag {lag}',
  'expect.zk.kill.leader':
    'Expect: the followers lose their leader, go LOOKING and elect a new one with a higher epoch. No writes meanwhile.',
  'expect.zk.kill.follower':
    'Expect: the leader keeps serving as long as a majority is left; clients of this server reconnect to another one.',
  'expect.zk.pause.leader':
    'Expect: like a crash for the others (no pings): they elect a new leader. On resume the old leader finds it is no longer one.',
  'expect.zk.pause.follower':
    'Expect: the leader drops it after syncLimit; the ensemble serves on with the rest.',
  'expect.zk.partition.leader':
    'Expect: the leader, alone, loses its quorum and steps down; the majority elects a new leader with a higher epoch.',
  'expect.zk.partition.follower':
    'Expect: the cut-off server goes LOOKING and stays there until healed; the majority keeps serving.',
  'expect.zk.restart':
    'Expect: it comes back with its data, finds the leader and synchronises (DIFF, TRUNC or SNAP) before FOLLOWING.',
  'expect.zk.resume': 'Expect: it notices time has passed, rejoins and catches up.',
  'expect.zk.heal': 'Expect: the server rejoins the ensemble and follows the current leader.',
  'expect.broker.kill.controller':
    'Expect: when its ZooKeeper session expires, /controller vanishes and another broker becomes controller (controller epoch + 1).',
  'expect.broker.kill.broker':
    "Expect: when its ZooKeeper session expires, /brokers/ids/{id} vanishes; the controller moves its partitions' leadership and shrinks their ISR.",
  'expect.broker.pause.controller':
    'Expect: frozen, it sends no heartbeats; after the session timeout ZooKeeper deletes /controller and another broker takes over.',
  'expect.broker.pause.broker':
    'Expect: frozen, it sends no heartbeats; after the session timeout its registration vanishes as if it had died.',
  'expect.broker.restart':
    'Expect: it registers again (a new broker epoch) and its replicas catch up with the leaders before rejoining the ISR.',
  'expect.broker.resume':
    'Expect: it finds whether its ZooKeeper session survived; if not, it registers again.',
};

const ko = {
  'panel.drills': '장애 훈련',
  'panel.drills.hint':
    '훈련을 고르고, 무엇을 할지 읽고, 어떻게 될지 예측하세요: 답을 고르면 시작합니다. 훈련은 랩을 망가뜨리고, 지켜보고, 결과를 스스로 확인한 뒤 랩을 되돌려 놓습니다.',
  'drills.choose': '훈련',
  'drills.predict': '예측 — 답을 고르면 훈련이 시작됩니다:',
  'drills.running': '진행 중…',
  'drills.busy': '다른 훈련이 진행 중입니다: {name}',
  'drills.verdict.pass': '통과: 랩이 확인 조건대로 움직였습니다',
  'drills.verdict.fail': '실패: 확인 조건이 맞지 않았습니다',
  'drills.prediction.right': '예측 [{id}]이(가) 맞았습니다.',
  'drills.prediction.wrong': '예측 [{id}]은(는) 틀렸습니다: 정답은 [{answer}]입니다.',
  'drills.measured': '측정값',
  'drills.error': '훈련을 실행할 수 없습니다: {message}',
  title: 'kzlab — 주키퍼 시절의 카프카, 실시간',
  subtitle: '이 컴퓨터에서 실제로 돌아가는 프로세스입니다. 직접 장애를 내고 어떻게 되는지 지켜보세요.',
  live: '실시간',
  reconnecting: '다시 연결하는 중…',
  'connect.zookeeper': '주키퍼 접속 문자열',
  'connect.bootstrap': '카프카 부트스트랩 서버',
  'heal.all': '모든 링크 복구',
  'heal.all.hint': '모든 주키퍼 서버를 서로 다시 연결합니다 (네트워크 분할 해제).',

  'panel.ensemble': '주키퍼 앙상블',
  'panel.ensemble.hint': '서버들이 리더 하나를 선출합니다. 쓰기는 과반수(쿼럼)가 확인해야 커밋됩니다.',
  'panel.brokers': '브로커와 컨트롤러',
  'panel.brokers.hint':
    '브로커마다 임시 노드로 자신을 등록합니다. 브로커 하나가 컨트롤러가 되어 파티션 리더를 선출합니다.',
  'panel.topics': '토픽과 파티션',
  'panel.topics.hint':
    '파티션마다 리더가 하나 있고 팔로워가 리더를 복제합니다. 컨슈머는 하이 워터마크까지 읽습니다.',
  'panel.tree': '지노드 트리',
  'panel.tree.hint':
    '카프카가 주키퍼에 저장하는 내용을 실시간으로 보여 줍니다. 지노드에 마우스를 올리면 설명이, 클릭하면 데이터와 Stat이 나옵니다.',
  'panel.timeline': '이벤트 타임라인',
  'panel.timeline.hint': '랩이 한 일과 대시보드가 관찰한 변화입니다. 최신 항목이 위에 있습니다.',

  'quorum.summary': '서버 {size}대 중 {serving}대가 서비스 중 · 쿼럼에는 {majority}대가 필요',
  'quorum.survives': '앞으로 {count}대가 더 죽어도 버팁니다',
  'quorum.survives.none': '한 대만 더 죽으면 앙상블이 멈춥니다',
  'quorum.lost': '쿼럼 없음: 앙상블이 요청을 처리하지 못합니다',

  'role.LEADING': 'LEADING',
  'role.FOLLOWING': 'FOLLOWING',
  'role.LOOKING': 'LOOKING',
  'role.OBSERVING': 'OBSERVING',
  'role.STANDALONE': 'STANDALONE',
  'role.PAUSED': '일시 정지',
  'role.DOWN': '중단됨',
  'role.UNKNOWN': '응답 없음',
  'role.help.LEADING': '리더: 모든 쓰기에 순서(zxid)를 매기고, 쿼럼이 기록하면 커밋합니다.',
  'role.help.FOLLOWING': '팔로워: 리더의 제안을 기록하고 확인(ACK)하며, 읽기 요청을 처리합니다.',
  'role.help.STANDALONE': '앙상블 없이 혼자 도는 서버: 기다릴 쿼럼이 없지만, 한 번의 장애도 버티지 못합니다.',
  'role.help.OBSERVING': '옵저버: 리더를 따르지만 투표하지 않습니다.',
  'role.help.LOOKING': '리더를 찾는 중 (FastLeaderElection): 그동안 클라이언트 요청을 처리하지 않습니다.',
  'role.help.PAUSED': 'SIGSTOP으로 멈춘 상태: 프로세스는 있지만 아무것에도 응답하지 않습니다.',
  'role.help.DOWN': '프로세스가 없습니다 (kill 또는 종료).',
  'role.help.UNKNOWN': '프로세스는 실행 중이지만 AdminServer가 제때 응답하지 않았습니다.',

  'process.running': '실행 중',
  'process.starting': '시작 중',
  'process.paused': '일시 정지',
  'process.killed': '강제 종료됨',
  'process.exited': '종료됨',
  'process.stopped': '중지됨',

  'field.epoch': '에포크',
  'field.epoch.help': 'currentEpoch: 리더의 임기. 리더가 발급하는 모든 zxid의 상위 32비트입니다.',
  'field.zxid': '마지막 zxid',
  'field.zxid.help': '이 서버가 마지막으로 적용한 트랜잭션 (에포크:카운터).',
  'field.zab': 'Zab 단계',
  'field.connections': '클라이언트 연결',
  'field.znodes': '지노드 수',
  'field.pid': 'pid',
  'field.port': '포트',
  'field.brokerEpoch': '브로커 에포크',
  'field.brokerEpoch.help': '/brokers/ids/<id>의 czxid: 새로 등록할 때마다 바뀝니다.',
  cutoff: '연결 끊김: {peers}',
  'cutoff.help': '네트워크 분할로 이 서버가 다른 서버들과 끊겨 있습니다.',

  'controller.line': '컨트롤러: {broker} · 컨트롤러 에포크 {epoch}',
  'controller.none': '지금은 컨트롤러가 없습니다',
  'badge.controller': '컨트롤러',
  'badge.registered': '등록됨',
  'badge.registered.help':
    '/brokers/ids/{id}가 있습니다 (임시 노드: 브로커의 주키퍼 세션이 살아 있는 동안만 존재).',
  'badge.unregistered': '등록 안 됨',
  'badge.unregistered.help': '/brokers/ids/{id}가 없습니다: 컨트롤러는 이 브로커를 죽은 것으로 봅니다.',

  'action.kill': '강제 종료',
  'action.kill.help': 'SIGKILL: 아무것도 정리하지 않고 프로세스가 즉시 죽습니다.',
  'action.pause': '일시 정지',
  'action.pause.help': 'SIGSTOP: 프로세스가 멈춥니다. TCP 연결은 열려 있지만 아무것도 응답하지 않습니다.',
  'action.resume': '재개',
  'action.resume.help': 'SIGCONT: 멈춘 프로세스가 다시 실행됩니다.',
  'action.restart': '재시작',
  'action.restart.help': '중지(SIGTERM)한 뒤 같은 데이터 디렉터리로 다시 시작합니다.',
  'action.partition': '네트워크 분할',
  'action.partition.help': '이 서버와 다른 모든 주키퍼 서버 사이의 링크를 양방향으로 끊습니다.',
  'action.heal': '복구',
  'action.heal.help': '이 서버의 링크를 다시 연결합니다.',
  'action.brokers.nopartition':
    '브로커는 장애 프록시 뒤에 있지 않습니다: 네트워크 분할은 주키퍼 서버에만 할 수 있습니다.',
  'action.sent': '{node} {action}…',
  'action.done': '{node} {action}: 완료',
  'action.failed': '{node} {action} 실패: {message}',

  'topics.none':
    '아직 토픽이 없습니다. 위의 부트스트랩 서버로 카프카 클라이언트(kafkajs, kcat)를 써서 만들어 보세요.',
  'topics.partition': '파티션',
  'topics.leader': '리더',
  'topics.leaderEpoch': '리더 에포크',
  'topics.replicas': '레플리카 (초록색은 ISR)',
  'topics.offsets': '레플리카별 오프셋',
  'topics.offline': '오프라인',
  'topics.offline.help': '리더가 없습니다: 이 파티션에는 쓰지도 읽지도 못합니다.',
  'topics.urp': '복제 부족',
  'topics.urp.help': 'ISR이 레플리카 집합보다 작습니다: 팔로워가 뒤처졌거나 브로커가 죽었습니다.',
  'topics.legend':
    '막대: 로그 끝 오프셋 (LEO, 다음에 쓸 오프셋) · 선: 하이 워터마크 (HW, 컨슈머는 이 아래까지 읽음) · 왼쪽 끝: 로그 시작 오프셋',
  'topics.nooffsets': '이 브로커에서 받은 데이터 없음',
  'replica.leader': '리더',
  'replica.inIsr': 'ISR에 있음',
  'replica.outIsr': 'ISR에서 빠짐',

  'tree.empty': '주키퍼가 응답하면 트리가 나타납니다.',
  'tree.stale': '마지막으로 읽은 트리를 보여 주는 중: {error}',
  'tree.truncated': '처음 {count}개 지노드만 보여 줍니다.',
  'tree.select': '지노드를 선택하면 데이터와 Stat이 나옵니다.',
  'tree.data': '데이터',
  'tree.nodata': '(데이터 없음)',
  'tree.stat': 'Stat',
  'tree.ephemeral': '임시 노드',
  'tree.ephemeral.help': '임시 노드 (에페메랄 노드): 만든 세션이 끝나면 삭제됩니다.',
  'tree.persistent': '영구 노드',
  'tree.sequential': '순차 노드',
  'tree.owner': '소유 세션 {session}',
  'stat.czxid': '생성한 트랜잭션의 zxid',
  'stat.mzxid': '데이터를 마지막으로 바꾼 zxid',
  'stat.pzxid': '자식을 마지막으로 바꾼 zxid',
  'stat.ctime': '생성 시각',
  'stat.mtime': '마지막 수정 시각',
  'stat.version': '데이터 버전 (조건부 쓰기의 zkVersion)',
  'stat.cversion': '자식 버전',
  'stat.aversion': 'ACL 버전',
  'stat.ephemeralOwner': '소유 세션 (0x0: 영구 노드)',
  'stat.dataLength': '데이터 길이 (바이트)',
  'stat.numChildren': '자식 수',

  'timeline.filter': '노드',
  'timeline.all': '모든 노드',
  'timeline.empty': '아직 아무 일도 없습니다.',
  'source.observed': '대시보드가 관찰함',
  'source.lab': '랩이 수행함',

  'event.lab-starting': '랩 시작: 주키퍼 서버 {zookeepers}대, 브로커 {brokers}대',
  'event.lab-ready': '랩 준비 완료: 주키퍼 리더 {leader}, 컨트롤러 {controller}',
  'event.lab-stopping': '랩 중지 중 ({reason})',
  'event.lab-stopped': '랩 중지됨',
  'event.node-started': '{node} 시작 (pid {pid})',
  'event.node-kill': '{node} 강제 종료 ({signal})',
  'event.node-pause': '{node} 일시 정지 ({signal})',
  'event.node-resume': '{node} 재개 ({signal})',
  'event.node-restart': '{node} 재시작을 위해 중지 ({signal})',
  'event.node-stop': '{node} 중지 중 ({signal})',
  'event.node-signal': '{node}: {signal} ({reason})',
  'event.node-exited': '{node} 종료 (코드 {code}, 시그널 {signal})',
  'event.node-crashed': '{node} 예기치 않게 죽음 (코드 {code}, 시그널 {signal})',
  'event.partition': '네트워크 분할: {groups}',
  'event.heal': '링크 복구됨: {groups}',
  'event.heal-all': '모든 링크 복구됨',
  'event.zk-leader-elected': '{node}: 새 주키퍼 리더로 선출 (에포크 {epoch})',
  'event.zk-role': '{node}: {from} → {to}',
  'event.quorum-lost': '쿼럼 상실: {serving}대 서비스 중, {majority}대 필요',
  'event.quorum-regained': '쿼럼 회복: 리더 {leader}, {serving}대 서비스 중',
  'event.controller-moved': '컨트롤러 이동: {from} → {to} (컨트롤러 에포크 {epoch})',
  'event.controller-gone': '컨트롤러 없음: /controller가 삭제됨 (이전: {from})',
  'event.broker-registered': '{node} 등록됨 (/brokers/ids/{id} 생성)',
  'event.broker-deregistered': '{node}: /brokers/ids에서 사라짐 (주키퍼 세션 종료)',
  'event.partition-leader': '{topic}-{partition}: 리더 {from} → {to} (리더 에포크 {leaderEpoch})',
  'event.isr-shrink': '{topic}-{partition}: ISR 축소 [{from}] → [{to}]',
  'event.isr-expand': '{topic}-{partition}: ISR 확장 [{from}] → [{to}]',
  'event.isr-change': '{topic}-{partition}: ISR [{from}] → [{to}]',
  none: '없음',
  'learners.help':
    '리더의 팔로워(learner)들: Zab 동기화 단계 (UPTODATE = 동기화 완료, 서비스 중)와 리더가 각 팔로워의 소식을 마지막으로 들은 시점.',
  'learners.heard': '{seconds}초 전 응답',
  'learners.now': '1초 안에 응답',
  'panel.glossary': '용어집',
  'panel.glossary.hint': '이 페이지에 나오는 용어의 영어와 한국어 표기입니다.',
  'glossary.meaning': '뜻',
  'ensemble.external':
    '브로커가 이 랩이 띄우지 않은 주키퍼({connect})를 씁니다: 여기에 보여 줄 것이 없습니다.',
  'heal.all.toast': '모든 링크',
  'quorum.majority': '과반수: {size}대 중 {majority}대',
  'topics.lag': '지연 {lag}',
  'expect.zk.kill.leader':
    '예상: 팔로워들이 리더를 잃고 LOOKING이 되어, 더 높은 에포크로 새 리더를 선출합니다. 그동안 쓰기는 멈춥니다.',
  'expect.zk.kill.follower':
    '예상: 과반수가 남아 있는 한 리더는 계속 서비스합니다. 이 서버의 클라이언트는 다른 서버로 다시 연결합니다.',
  'expect.zk.pause.leader':
    '예상: 다른 서버에게는 죽은 것과 같습니다 (핑 없음). 새 리더가 선출되고, 재개하면 옛 리더는 자신이 더는 리더가 아님을 알게 됩니다.',
  'expect.zk.pause.follower':
    '예상: syncLimit이 지나면 리더가 이 서버를 빼고, 앙상블은 나머지로 계속 서비스합니다.',
  'expect.zk.partition.leader':
    '예상: 혼자 남은 리더는 쿼럼을 잃고 물러납니다. 과반수 쪽이 더 높은 에포크로 새 리더를 선출합니다.',
  'expect.zk.partition.follower':
    '예상: 고립된 서버는 복구될 때까지 LOOKING에 머무르고, 과반수 쪽은 계속 서비스합니다.',
  'expect.zk.restart':
    '예상: 자기 데이터를 가지고 돌아와 리더를 찾고, FOLLOWING이 되기 전에 동기화(DIFF, TRUNC, SNAP)합니다.',
  'expect.zk.resume': '예상: 시간이 흐른 것을 알아채고 다시 합류해 따라잡습니다.',
  'expect.zk.heal': '예상: 서버가 앙상블에 다시 합류해 현재 리더를 따릅니다.',
  'expect.broker.kill.controller':
    '예상: 주키퍼 세션이 만료되면 /controller가 사라지고 다른 브로커가 컨트롤러가 됩니다 (컨트롤러 에포크 + 1).',
  'expect.broker.kill.broker':
    '예상: 주키퍼 세션이 만료되면 /brokers/ids/{id}가 사라지고, 컨트롤러가 이 브로커의 파티션 리더를 옮기고 ISR을 줄입니다.',
  'expect.broker.pause.controller':
    '예상: 멈춘 동안 하트비트를 보내지 않으므로, 세션 타임아웃 뒤 주키퍼가 /controller를 지우고 다른 브로커가 이어받습니다.',
  'expect.broker.pause.broker':
    '예상: 멈춘 동안 하트비트를 보내지 않으므로, 세션 타임아웃 뒤 죽은 것처럼 등록 정보가 사라집니다.',
  'expect.broker.restart':
    '예상: 다시 등록하고 (새 브로커 에포크), 레플리카가 리더를 따라잡은 뒤 ISR에 다시 들어갑니다.',
  'expect.broker.resume': '예상: 주키퍼 세션이 살아 있는지 확인하고, 만료되었으면 다시 등록합니다.',
};

export const CATALOGUES = { en, ko };

/**
 * The glossary: [English, Korean (shared/reference/kafka-zk-era.md §8.2), meaning in English, in Korean].
 */
export const GLOSSARY = [
  [
    'ensemble',
    '(주키퍼) 앙상블',
    'The set of ZooKeeper servers that replicate one tree.',
    '하나의 트리를 함께 복제하는 주키퍼 서버들의 집합.',
  ],
  [
    'quorum',
    '쿼럼',
    'A strict majority of the ensemble: a write commits once a quorum has logged it.',
    '앙상블의 과반수. 쿼럼이 기록해야 쓰기가 커밋됩니다.',
  ],
  [
    'leader / follower',
    '리더 / 팔로워',
    'ZooKeeper: the one server that orders writes, and those that copy it. Kafka: per partition.',
    '주키퍼: 쓰기 순서를 정하는 서버 하나와 그것을 복제하는 서버들. 카프카: 파티션마다 따로 있습니다.',
  ],
  [
    'LOOKING / FOLLOWING / LEADING',
    'LOOKING / FOLLOWING / LEADING',
    "A ZooKeeper server's state (ServerState): electing, following, leading.",
    '주키퍼 서버의 상태 (ServerState): 선출 중, 팔로워, 리더.',
  ],
  [
    'epoch',
    '에포크',
    "A leader's term number; every new leader has a higher one.",
    '리더의 임기 번호. 새 리더는 더 큰 번호를 가집니다.',
  ],
  [
    'zxid',
    'zxid',
    'ZooKeeper transaction id: epoch (high 32 bits) and counter (low 32 bits).',
    '주키퍼 트랜잭션 ID: 에포크(상위 32비트)와 카운터(하위 32비트).',
  ],
  [
    'session',
    '세션',
    "A client's connection lifetime in ZooKeeper; it expires if the client is silent too long.",
    '주키퍼에서 클라이언트의 연결 수명. 클라이언트가 너무 오래 조용하면 만료됩니다.',
  ],
  [
    'znode',
    '지노드',
    'A node of the ZooKeeper tree: a path, data and a Stat.',
    '주키퍼 트리의 노드: 경로, 데이터, Stat.',
  ],
  [
    'ephemeral znode',
    '임시 노드 (에페메랄 노드)',
    'Deleted when the session that created it ends.',
    '만든 세션이 끝나면 삭제되는 지노드.',
  ],
  [
    'persistent / sequential znode',
    '영구 노드 / 순차 노드',
    'Stays until deleted / gets a 10-digit counter appended to its name.',
    '지울 때까지 남는 노드 / 이름 뒤에 10자리 번호가 붙는 노드.',
  ],
  [
    'watch',
    '와치 (감시)',
    'A one-shot notification that a znode or its children changed.',
    '지노드나 그 자식이 바뀌었다는 일회성 알림.',
  ],
  ['broker', '브로커', 'A Kafka server process.', '카프카 서버 프로세스.'],
  [
    'controller',
    '컨트롤러',
    'The one broker that elects partition leaders (ZooKeeper mode).',
    '파티션 리더를 선출하는 브로커 하나 (주키퍼 모드).',
  ],
  [
    'controller epoch / broker epoch',
    '컨트롤러 에포크 / 브로커 에포크',
    'Fencing tokens: they grow with every new controller / registration, so stale ones are refused.',
    '펜싱 토큰: 새 컨트롤러나 새 등록마다 커져서, 옛것은 거부됩니다.',
  ],
  [
    'topic / partition',
    '토픽 / 파티션',
    'A named stream / one ordered, replicated log of it.',
    '이름 붙은 스트림 / 그 안의 순서가 있는 복제 로그 하나.',
  ],
  [
    'replica / replication factor',
    '레플리카 (복제본) / 복제 계수',
    'A copy of a partition on one broker / how many copies there are.',
    '브로커 하나에 있는 파티션 복제본 / 복제본의 개수.',
  ],
  [
    'ISR (in-sync replicas)',
    '동기화 레플리카 (ISR)',
    'The replicas caught up with the leader; only they may become leader.',
    '리더를 따라잡은 레플리카들. 이들만 리더가 될 수 있습니다.',
  ],
  [
    'log end offset (LEO)',
    '로그 끝 오프셋',
    'The offset the next record written to this replica will get.',
    '이 레플리카에 다음에 쓰일 레코드가 받을 오프셋.',
  ],
  [
    'high watermark (HW)',
    '하이 워터마크',
    'Records below it are on every ISR replica: committed, visible to consumers.',
    '이 아래 레코드는 모든 ISR 레플리카에 있습니다: 커밋되어 컨슈머가 읽을 수 있습니다.',
  ],
  ['leader epoch', '리더 에포크', 'Counts leader changes of one partition.', '파티션 하나의 리더 변경 횟수.'],
  ['preferred leader', '선호 리더', 'The first replica in the assignment.', '할당 목록의 첫 번째 레플리카.'],
];

/**
 * What the Kafka znodes are, in both languages: [pattern, English, Korean]. The first match wins.
 */
export const ZNODE_HELP = [
  [/^\/$/, 'The root of the tree.', '트리의 루트입니다.'],
  [
    /^\/zookeeper(\/.*)?$/,
    "ZooKeeper's own znodes (quotas, configuration), not Kafka's.",
    '주키퍼 자체의 지노드 (쿼터, 설정)이며 카프카의 것이 아닙니다.',
  ],
  [
    /^\/brokers$/,
    'Everything about brokers and topics lives below here.',
    '브로커와 토픽에 관한 모든 것이 이 아래에 있습니다.',
  ],
  [
    /^\/brokers\/ids$/,
    'Live brokers: one ephemeral child per registered broker. The controller watches its children to notice brokers coming and going.',
    '살아 있는 브로커: 등록된 브로커마다 임시 노드 자식이 하나씩 있습니다. 컨트롤러는 자식 목록을 감시(와치)해 브로커가 들어오고 나가는 것을 알아챕니다.',
  ],
  [
    /^\/brokers\/ids\/\d+$/,
    "A broker's registration (ephemeral, owned by the broker's ZooKeeper session): its endpoints. Its czxid is the broker epoch. When the session ends, the znode vanishes and the controller treats the broker as dead.",
    '브로커 등록 정보 (브로커의 주키퍼 세션이 소유한 임시 노드): 접속 주소가 들어 있습니다. czxid가 브로커 에포크입니다. 세션이 끝나면 지노드가 사라지고, 컨트롤러는 이 브로커를 죽은 것으로 처리합니다.',
  ],
  [
    /^\/brokers\/seqid$/,
    'A counter for generated broker ids: its data version is the sequence.',
    '자동 생성 브로커 ID용 카운터: 데이터 버전이 곧 순번입니다.',
  ],
  [
    /^\/brokers\/topics$/,
    'One child per topic. The controller watches it to learn of new topics.',
    '토픽마다 자식이 하나씩 있습니다. 컨트롤러가 이를 감시해 새 토픽을 알아챕니다.',
  ],
  [
    /^\/brokers\/topics\/[^/]+$/,
    'The replica assignment of this topic: partition → list of replicas (the first one is the preferred leader).',
    '이 토픽의 레플리카 할당: 파티션 → 레플리카 목록 (첫 번째가 선호 리더).',
  ],
  [
    /^\/brokers\/topics\/[^/]+\/partitions(\/\d+)?$/,
    'A container for the partitions of the topic.',
    '토픽의 파티션들을 담는 지노드입니다.',
  ],
  [
    /^\/brokers\/topics\/[^/]+\/partitions\/\d+\/state$/,
    'Leader and ISR of this partition: leader, leader_epoch, isr, controller_epoch. Written by the controller (and, up to Kafka 2.6, by the leader when the ISR changes). Its data version is the zkVersion of conditional writes.',
    '이 파티션의 리더와 ISR: leader, leader_epoch, isr, controller_epoch. 컨트롤러가 쓰고, (카프카 2.6까지는) ISR이 바뀌면 리더도 씁니다. 데이터 버전이 조건부 쓰기의 zkVersion입니다.',
  ],
  [
    /^\/controller$/,
    'Who the controller is (ephemeral): created by the broker that wins the election race. When its session ends the znode vanishes, and every broker races to create it again.',
    '현재 컨트롤러 (임시 노드): 선출 경쟁에서 이긴 브로커가 만듭니다. 그 세션이 끝나면 지노드가 사라지고, 모든 브로커가 다시 만들려고 경쟁합니다.',
  ],
  [
    /^\/controller_epoch$/,
    'The controller epoch: one more with every new controller. A fencing token: writes of a deposed controller fail (BADVERSION).',
    '컨트롤러 에포크: 새 컨트롤러가 생길 때마다 1씩 늘어납니다. 펜싱 토큰이라서 물러난 컨트롤러의 쓰기는 실패합니다 (BADVERSION).',
  ],
  [
    /^\/isr_change_notification$/,
    'ISR changes to announce: partition leaders add sequential children; the controller watches them and sends UpdateMetadata to every broker.',
    '알릴 ISR 변경: 파티션 리더가 순차 노드를 자식으로 추가하고, 컨트롤러가 이를 감시해 모든 브로커에 UpdateMetadata를 보냅니다.',
  ],
  [
    /^\/isr_change_notification\/.+$/,
    'One batch of ISR changes (sequential znode); the controller deletes it once handled.',
    'ISR 변경 묶음 하나 (순차 노드). 컨트롤러가 처리한 뒤 삭제합니다.',
  ],
  [
    /^\/admin$/,
    'Requests for the controller from admin tools.',
    '관리 도구가 컨트롤러에 보내는 요청들입니다.',
  ],
  [
    /^\/admin\/delete_topics$/,
    'Topics waiting to be deleted, one child each. The controller watches it, deletes the partitions, then the child.',
    '삭제를 기다리는 토픽 (토픽마다 자식 하나). 컨트롤러가 감시하다가 파티션을 지운 뒤 자식도 지웁니다.',
  ],
  [/^\/admin\/delete_topics\/.+$/, 'A topic marked for deletion.', '삭제 표시된 토픽입니다.'],
  [
    /^\/admin\/reassign_partitions$/,
    'A partition reassignment in progress (kafka-reassign-partitions).',
    '진행 중인 파티션 재할당 (kafka-reassign-partitions).',
  ],
  [
    /^\/admin\/preferred_replica_election$/,
    'A requested preferred-leader election.',
    '요청된 선호 리더 선출입니다.',
  ],
  [
    /^\/config$/,
    'Dynamic configuration: /config/topics/<t>, /config/brokers/<id>, /config/clients, /config/users.',
    '동적 설정: /config/topics/<t>, /config/brokers/<id>, /config/clients, /config/users.',
  ],
  [
    /^\/config\/changes$/,
    'Configuration change notifications (sequential children) that every broker watches.',
    '모든 브로커가 감시하는 설정 변경 알림 (순차 노드 자식).',
  ],
  [/^\/config\/changes\/.+$/, 'One configuration change notification.', '설정 변경 알림 하나입니다.'],
  [
    /^\/config\/topics\/.+$/,
    "This topic's configuration overrides (e.g. retention.ms).",
    '이 토픽의 설정 재정의 (예: retention.ms).',
  ],
  [
    /^\/config\/brokers\/.+$/,
    'Dynamic broker configuration (one broker, or <default> for all).',
    '동적 브로커 설정 (브로커 하나, 또는 전체에 적용되는 <default>).',
  ],
  [/^\/config\/.+$/, 'A kind of dynamic configuration.', '동적 설정의 한 종류입니다.'],
  [
    /^\/cluster(\/id)?$/,
    'The cluster id, created by the first broker; every broker checks it against its meta.properties.',
    '클러스터 ID: 첫 브로커가 만들고, 모든 브로커가 자신의 meta.properties와 비교합니다.',
  ],
  [
    /^\/consumers(\/.*)?$/,
    'Groups of the old (Scala, ≤ 0.10) consumers; modern consumers keep groups in the brokers.',
    '옛 (Scala, 0.10 이하) 컨슈머의 그룹 정보. 요즘 컨슈머는 그룹을 브로커에 둡니다.',
  ],
  [
    /^\/latest_producer_id_block$/,
    'The last block of producer ids handed out (idempotent and transactional producers).',
    '마지막으로 나눠 준 프로듀서 ID 블록 (멱등성·트랜잭션 프로듀서용).',
  ],
  [
    /^\/log_dir_event_notification(\/.*)?$/,
    'Failed log directories (JBOD) reported to the controller.',
    '컨트롤러에 보고된 로그 디렉터리 장애 (JBOD).',
  ],
  [/^\/feature$/, 'Finalized feature versions (Kafka 2.7+).', '확정된 기능 버전 (카프카 2.7 이상).'],
];

/** The explanation of a znode path in `lang`, or null. */
export function znodeHelp(path, lang) {
  for (const [pattern, english, korean] of ZNODE_HELP) {
    if (pattern.test(path)) return lang === 'ko' ? korean : english;
  }
  return null;
}

/** `text` with {name} replaced by params[name]. */
export function format(text, params = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (value === null) return '—';
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}
