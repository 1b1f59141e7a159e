import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KzError } from '../../client/common/errors.ts';
import {
  ConfigError,
  isFourLetterWordAllowed,
  isStandalone,
  loadZooKeeperConfig,
  parseMyId,
  parseZooKeeperConfig,
  readMyId,
  type ZooKeeperConfig,
} from './config.ts';

const CWD = '/home/learner/kzlab';
const parse = (text: string) => parseZooKeeperConfig(text, 'zoo.cfg', { cwd: CWD });
const config = (text: string): ZooKeeperConfig => parse(text).config;

/** Runs `fn`, expects a ConfigError, returns it for further checks. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
const parseError = (text: string): ConfigError => configError(() => parse(text));

describe('parseZooKeeperConfig: real-looking files', () => {
  it('reads the zoo.cfg Debian ships (conf_example) with every default filled in', () => {
    const { config: c, warnings } = parse(
      [
        '# The number of milliseconds of each tick',
        'tickTime=2000',
        '# The number of ticks that the initial',
        '# synchronization phase can take',
        'initLimit=10',
        'syncLimit=5',
        'dataDir=/var/lib/zookeeper',
        '# the port at which the clients will connect',
        'clientPort=2181',
        '',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(c).toEqual({
      file: 'zoo.cfg',
      tickTimeMs: 2000,
      dataDir: '/var/lib/zookeeper',
      dataLogDir: '/var/lib/zookeeper',
      clientPort: 2181,
      clientPortAddress: '0.0.0.0',
      initLimitTicks: 10,
      syncLimitTicks: 5,
      maxClientCnxns: 60,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40_000,
      fourLetterWordWhitelist: { all: false, words: ['srvr'] },
      adminEnableServer: true,
      adminServerPort: 8080,
      adminServerAddress: '0.0.0.0',
      snapCount: 100_000,
      autopurgeSnapRetainCount: 3,
      autopurgePurgeIntervalHours: 0,
      forceSync: true,
      juteMaxBufferBytes: 1_048_575,
      preAllocSizeBytes: 64 * 1024 * 1024,
      globalOutstandingLimit: 1000,
      servers: [],
      standaloneEnabled: true,
      reconfigEnabled: false,
    } satisfies ZooKeeperConfig);
    expect(isStandalone(c)).toBe(true);
  });

  it('reads a 3-server ensemble member config like the one used for the measurements', () => {
    const { config: c, warnings } = parse(`
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/srv/zk2
dataLogDir=/srv/zk2-log
clientPort=24102
clientPortAddress=127.0.0.1
maxClientCnxns=1000
4lw.commands.whitelist=*
admin.enableServer=false
forceSync=no
autopurge.snapRetainCount=5
autopurge.purgeInterval=1
server.1=127.0.0.1:24201:24301
server.3=127.0.0.1:24203:24303:observer
server.2=127.0.0.1:24202:24302:participant;127.0.0.1:24102
`);
    expect(warnings).toEqual([]);
    expect(c.dataLogDir).toBe('/srv/zk2-log');
    expect(c.clientPort).toBe(24102);
    expect(c.clientPortAddress).toBe('127.0.0.1');
    expect(c.maxClientCnxns).toBe(1000);
    expect(c.fourLetterWordWhitelist).toEqual({ all: true, words: [] });
    expect(isFourLetterWordAllowed(c, 'mntr')).toBe(true);
    expect(c.adminEnableServer).toBe(false);
    expect(c.forceSync).toBe(false);
    expect(c.autopurgeSnapRetainCount).toBe(5);
    expect(c.autopurgePurgeIntervalHours).toBe(1);
    expect(isStandalone(c)).toBe(false);
    expect(c.servers).toEqual([
      {
        sid: 1,
        host: '127.0.0.1',
        quorumPort: 24201,
        electionPort: 24301,
        role: 'participant',
        clientPortAddress: undefined,
        clientPort: undefined,
        line: 15,
      },
      {
        sid: 2,
        host: '127.0.0.1',
        quorumPort: 24202,
        electionPort: 24302,
        role: 'participant',
        clientPortAddress: '127.0.0.1',
        clientPort: 24102,
        line: 17,
      },
      {
        sid: 3,
        host: '127.0.0.1',
        quorumPort: 24203,
        electionPort: 24303,
        role: 'observer',
        clientPortAddress: undefined,
        clientPort: undefined,
        line: 16,
      },
    ]);
  });

  it('sets every tunable the lab supports', () => {
    const c = config(`
tickTime=500
dataDir=data
clientPort=0
minSessionTimeout=1000
maxSessionTimeout=60000
admin.serverPort=8081
admin.serverAddress=127.0.0.1
snapCount=5000
jute.maxbuffer=0x400000
preAllocSize=1024
globalOutstandingLimit=200
standaloneEnabled=false
reconfigEnabled=false
4lw.commands.whitelist=ruok, srvr ,mntr,ruok
`);
    expect(c.tickTimeMs).toBe(500);
    expect(c.dataDir).toBe(path.resolve(CWD, 'data'));
    expect(c.clientPort).toBe(0);
    expect(c.minSessionTimeoutMs).toBe(1000);
    expect(c.maxSessionTimeoutMs).toBe(60_000);
    expect(c.adminServerPort).toBe(8081);
    expect(c.adminServerAddress).toBe('127.0.0.1');
    expect(c.snapCount).toBe(5000);
    expect(c.juteMaxBufferBytes).toBe(4 * 1024 * 1024);
    expect(c.preAllocSizeBytes).toBe(1024 * 1024);
    expect(c.globalOutstandingLimit).toBe(200);
    expect(c.standaloneEnabled).toBe(false);
    expect(c.fourLetterWordWhitelist).toEqual({ all: false, words: ['ruok', 'srvr', 'mntr'] });
    expect(isFourLetterWordAllowed(c, 'ruok')).toBe(true);
    expect(isFourLetterWordAllowed(c, 'dump')).toBe(false);
  });

  it('derives session timeout bounds from tickTime', () => {
    const c = config('tickTime=3000\ndataDir=/d\nclientPort=2181');
    expect(c.minSessionTimeoutMs).toBe(6000);
    expect(c.maxSessionTimeoutMs).toBe(60_000);
  });

  it('resolves relative data directories against the current directory, as the JVM does', () => {
    const c = config('dataDir=./zk1\ndataLogDir=../logs/zk1\nclientPort=2181');
    expect(c.dataDir).toBe('/home/learner/kzlab/zk1');
    expect(c.dataLogDir).toBe('/home/learner/logs/zk1');
    const defaultCwd = parseZooKeeperConfig('dataDir=rel\nclientPort=1', 'zoo.cfg').config;
    expect(defaultCwd.dataDir).toBe(path.resolve(process.cwd(), 'rel'));
  });

  it('with one server line and standaloneEnabled (default) the server runs standalone', () => {
    expect(isStandalone(config('dataDir=/d\nclientPort=2181\nserver.1=localhost:2888:3888'))).toBe(true);
    expect(
      isStandalone(
        config('dataDir=/d\nclientPort=2181\nserver.1=localhost:2888:3888\nstandaloneEnabled=false'),
      ),
    ).toBe(false);
  });

  it('parses IPv6 hosts and client addresses in brackets', () => {
    const [server] = config('dataDir=/d\nclientPort=1\nserver.7=[::1]:2888:3888;[::1]:2181').servers;
    expect(server).toMatchObject({
      sid: 7,
      host: '::1',
      quorumPort: 2888,
      electionPort: 3888,
      clientPortAddress: '::1',
      clientPort: 2181,
    });
  });
});

describe('parseZooKeeperConfig: Java properties syntax', () => {
  it('accepts "key: value", "key value", blanks around "=", ! comments, CRLF and tabs', () => {
    const c = config('! a comment\r\n  tickTime : 1000\r\n\tdataDir   /srv/zk\r\nclientPort = 2182  \r\n');
    expect(c.tickTimeMs).toBe(1000);
    expect(c.dataDir).toBe('/srv/zk');
    expect(c.clientPort).toBe(2182);
  });

  it('joins lines ending in a backslash and decodes escapes', () => {
    const c = config(
      'dataDir=/srv/\\\n    zk\\u0031\nclientPortAddress=127.0.0.\\\n  1\nclientPort=2181\n# comment ends with backslash \\\ntickTime=100',
    );
    expect(c.dataDir).toBe('/srv/zk1');
    expect(c.clientPortAddress).toBe('127.0.0.1');
    expect(c.tickTimeMs).toBe(100);
  });

  it('an escaped separator belongs to the key', () => {
    const { warnings } = parse('dataDir=/d\nclientPort=1\nweird\\=key=1');
    expect(warnings.map((w) => w.key)).toEqual(['weird=key']);
  });

  it('reports a malformed \\u escape with its line', () => {
    const error = parseError('dataDir=/d\nclientPortAddress=\\u12G4');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/zoo\.cfg:2: .*malformed \\uXXXX escape/);
  });

  it('the last occurrence of a key wins, with a warning', () => {
    const { config: c, warnings } = parse('dataDir=/d\nclientPort=2181\ntickTime=1000\ntickTime=3000');
    expect(c.tickTimeMs).toBe(3000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toBe(
      'zoo.cfg:4: tickTime is set again (first on line 3); the last value wins',
    );
  });
});

describe('parseZooKeeperConfig: warnings', () => {
  it('collects unknown keys with file and line (keys are case-sensitive)', () => {
    const { warnings } = parse('dataDir=/d\nclientPort=2181\ntickTme=2000\nTickTime=1');
    expect(warnings).toEqual([
      {
        line: 3,
        key: 'tickTme',
        message: expect.stringMatching(/^zoo\.cfg:3: unknown key tickTme; ignored/),
      },
      { line: 4, key: 'TickTime', message: expect.stringMatching(/^zoo\.cfg:4: unknown key TickTime/) },
    ]);
  });

  it('reports ZooKeeper settings kzlab does not implement as ignored, not unknown', () => {
    const { warnings } = parse(
      'dataDir=/d\nclientPort=2181\nsecureClientPort=2281\nquorum.auth.enableSasl=true\nmetricsProvider.httpPort=7000\nreconfigEnabled=true',
    );
    expect(warnings.map((w) => w.key)).toEqual([
      'secureClientPort',
      'quorum.auth.enableSasl',
      'metricsProvider.httpPort',
      'reconfigEnabled',
    ]);
    for (const warning of warnings) expect(warning.message).toMatch(/not implement/);
  });

  it('defaults clientPort to 2181 and says real ZooKeeper would refuse', () => {
    const { config: c, warnings } = parse('dataDir=/d');
    expect(c.clientPort).toBe(2181);
    expect(warnings).toEqual([
      {
        line: undefined,
        key: 'clientPort',
        message: expect.stringMatching(/^zoo\.cfg: clientPort is not set; using 2181 .*refuse/),
      },
    ]);
  });

  it('raises snapCount below 2 and autopurge.snapRetainCount below 3, as ZooKeeper does', () => {
    const { config: c, warnings } = parse(
      'dataDir=/d\nclientPort=1\nsnapCount=1\nautopurge.snapRetainCount=1',
    );
    expect(c.snapCount).toBe(2);
    expect(c.autopurgeSnapRetainCount).toBe(3);
    expect(warnings.map((w) => w.line)).toEqual([3, 4]);
  });

  it('warns about words in 4lw.commands.whitelist that are not four-letter commands', () => {
    const { config: c, warnings } = parse('dataDir=/d\nclientPort=1\n4lw.commands.whitelist=ruok,bogus,,');
    expect(c.fourLetterWordWhitelist.words).toEqual(['ruok']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/zoo\.cfg:3: "bogus" is not a four-letter word/);
  });
});

describe('parseZooKeeperConfig: errors name the file, line, key and value', () => {
  it('is a KzError with code KZ_ERR_CONFIG, definite and not retriable', () => {
    const error = parseError('dataDir=/d\ntickTime=abc');
    expect(error).toBeInstanceOf(KzError);
    expect(error.code).toBe('KZ_ERR_CONFIG');
    expect(error.definite).toBe(true);
    expect(error.retriable).toBe(false);
    expect(error.message).toBe('zoo.cfg:2: tickTime="abc": not an integer');
    expect({ file: error.file, line: error.line, key: error.key, value: error.value }).toEqual({
      file: 'zoo.cfg',
      line: 2,
      key: 'tickTime',
      value: 'abc',
    });
  });

  it('requires dataDir', () => {
    const error = parseError('tickTime=2000\nclientPort=2181');
    expect(error.message).toBe('zoo.cfg: dataDir: dataDir is not set (it is required)');
    expect(error.key).toBe('dataDir');
  });

  it.each([
    ['tickTime=0', 'tickTime="0": must be at least 1'],
    ['tickTime=-5', 'tickTime="-5": must be at least 1'],
    ['tickTime=2000ms', 'tickTime="2000ms": not an integer'],
    ['tickTime=1.5', 'tickTime="1.5": not an integer'],
    ['tickTime=', 'tickTime="": not an integer'],
    ['tickTime=99999999999999999999', 'tickTime="99999999999999999999": not an integer'],
    ['dataDir=', 'dataDir="": must not be empty'],
    ['dataLogDir=', 'dataLogDir="": must not be empty'],
    ['clientPort=65536', 'clientPort="65536": must be between 0 and 65535'],
    ['clientPort=two', 'clientPort="two": not an integer'],
    ['clientPortAddress=', 'clientPortAddress="": must not be empty'],
    ['initLimit=0', 'initLimit="0": must be at least 1'],
    ['syncLimit=x', 'syncLimit="x": not an integer'],
    ['maxClientCnxns=-1', 'maxClientCnxns="-1": must be at least 0'],
    ['minSessionTimeout=0', 'minSessionTimeout="0": must be at least 1'],
    ['maxSessionTimeout=soon', 'maxSessionTimeout="soon": not an integer'],
    ['admin.enableServer=yes', 'admin.enableServer="yes": must be "true" or "false"'],
    ['admin.serverPort=70000', 'admin.serverPort="70000": must be between 0 and 65535'],
    ['admin.serverAddress=', 'admin.serverAddress="": must not be empty'],
    ['snapCount=lots', 'snapCount="lots": not an integer'],
    ['autopurge.snapRetainCount=three', 'autopurge.snapRetainCount="three": not an integer'],
    ['autopurge.purgeInterval=-1', 'autopurge.purgeInterval="-1": must be at least 0'],
    ['forceSync=true', 'forceSync="true": must be "yes" or "no"'],
    ['jute.maxbuffer=0', 'jute.maxbuffer="0": must be at least 1'],
    ['jute.maxbuffer=1MB', 'jute.maxbuffer="1MB": not an integer'],
    ['preAllocSize=0', 'preAllocSize="0": must be at least 1'],
    ['globalOutstandingLimit=0', 'globalOutstandingLimit="0": must be at least 1'],
    ['standaloneEnabled=1', 'standaloneEnabled="1": must be "true" or "false"'],
    ['reconfigEnabled=on', 'reconfigEnabled="on": must be "true" or "false"'],
  ])('rejects %s', (line, expected) => {
    const error = parseError(`# header\ndataDir=/d\n${line}`);
    expect(error.message).toBe(`zoo.cfg:3: ${expected}`);
    expect(error.line).toBe(3);
  });

  it('rejects minSessionTimeout larger than maxSessionTimeout', () => {
    const error = parseError('dataDir=/d\nclientPort=1\nminSessionTimeout=50000\nmaxSessionTimeout=40000');
    expect(error.message).toBe(
      'zoo.cfg:3: minSessionTimeout="50000": minSessionTimeout=50000 (line 3) must not be larger than maxSessionTimeout=40000 (line 4)',
    );
  });

  it('rejects minSessionTimeout larger than the default maxSessionTimeout, and the reverse', () => {
    expect(parseError('dataDir=/d\nclientPort=1\nminSessionTimeout=50000').message).toMatch(
      /^zoo\.cfg:3: .*must not be larger than maxSessionTimeout \(default 20 × tickTime = 40000\)$/,
    );
    expect(parseError('dataDir=/d\nclientPort=1\nmaxSessionTimeout=3000').message).toMatch(
      /^zoo\.cfg:3: maxSessionTimeout="3000": minSessionTimeout \(default 2 × tickTime = 4000\) must not be larger than maxSessionTimeout=3000 \(line 3\)$/,
    );
  });

  it.each([
    ['server.x=h:2888:3888', 'the server id after "server." must be a non-negative integer'],
    ['server.=h:2888:3888', 'the server id after "server." must be a non-negative integer'],
    ['server.1=h:2888', 'expected host:quorumPort:electionPort'],
    ['server.1=:2888:3888', 'expected host:quorumPort:electionPort'],
    ['server.1=h:2888:3888:observer:extra', 'expected host:quorumPort:electionPort'],
    ['server.1=[::1:2888:3888', 'expected host:quorumPort:electionPort'],
    ['server.1=h:0:3888', 'quorum port "0" must be a port between 1 and 65535'],
    ['server.1=h:2888:abc', 'election port "abc" must be a port between 1 and 65535'],
    ['server.1=h:2888:2888', 'the quorum port and the election port must differ'],
    ['server.1=h:2888:3888:leader', 'role "leader" must be "participant" or "observer"'],
    ['server.1=h:2888:3888;', 'nothing after ";"'],
    ['server.1=h:2888:3888;:2181', 'empty client address before ":2181"'],
    ['server.1=h:2888:3888;0.0.0.0:99999', 'client port "99999" must be a port between 1 and 65535'],
    ['server.1=a:2888:3888|b:2889:3889', 'multiple addresses per server (|) are not supported'],
  ])('rejects the server line %s', (line, expected) => {
    const error = parseError(`dataDir=/d\nclientPort=2181\n${line}`);
    expect(error.line).toBe(3);
    expect(error.message).toContain(`zoo.cfg:3: ${line.slice(0, line.indexOf('='))}=`);
    expect(error.message).toContain(expected);
  });

  it('rejects two lines naming the same server id', () => {
    const error = parseError('dataDir=/d\nclientPort=1\nserver.1=a:2888:3888\nserver.01=b:2888:3888');
    expect(error.message).toMatch(/^zoo\.cfg:4: server\.01=.*duplicate server id 1 \(also on line 3\)$/);
  });
});

describe('myid and loading from disk', () => {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'kzlab-config-test-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('parseMyId reads the first line', () => {
    expect(parseMyId('3\n', 'myid')).toBe(3);
    expect(parseMyId(' 12 \r\nextra', 'myid')).toBe(12);
    expect(configError(() => parseMyId('three\n', '/d/myid')).message).toBe(
      '/d/myid:1: "three": myid must contain the server id as a non-negative integer',
    );
    expect(() => parseMyId('', 'myid')).toThrow(ConfigError);
    expect(() => parseMyId('-1', 'myid')).toThrow(ConfigError);
  });

  it('readMyId reads <dataDir>/myid and fails clearly when it is missing', async () => {
    const dataDir = path.join(directory, 'zk2');
    await mkdir(dataDir);
    await expect(readMyId(dataDir)).rejects.toThrow(/myid: cannot read myid file/);
    await writeFile(path.join(dataDir, 'myid'), '2\n');
    await expect(readMyId(dataDir)).resolves.toBe(2);
  });

  it('loadZooKeeperConfig reads a file and reports a missing one as ConfigError', async () => {
    const file = path.join(directory, 'zoo.cfg');
    await writeFile(file, 'dataDir=zk1\nclientPort=2181\n');
    const { config: c } = await loadZooKeeperConfig(file, { cwd: directory });
    expect(c.file).toBe(file);
    expect(c.dataDir).toBe(path.join(directory, 'zk1'));
    const missing = path.join(directory, 'nope.cfg');
    const error = await loadZooKeeperConfig(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      new RegExp(`^${missing}: cannot read config file: ENOENT`),
    );
    expect((error as ConfigError).cause).toBeDefined();
  });
});
