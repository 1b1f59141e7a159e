import { describe, expect, expectTypeOf, it } from 'vitest';

import { formatFlagHelp, parseFlags, UsageError, type FlagSpecs } from './flags.ts';

const SPECS = {
  'data-dir': { type: 'string', default: 'data', valueName: 'DIR', description: 'root directory' },
  label: { type: 'string', description: 'run label' },
  'port-base': {
    type: 'number',
    integer: true,
    min: 1,
    max: 65_535,
    default: 2181,
    description: 'first port',
  },
  seconds: { type: 'number', description: 'duration' },
  offset: { type: 'number', description: 'may be negative' },
  json: { type: 'boolean', description: 'JSON output' },
  verbose: { type: 'boolean', description: 'more output' },
  servers: { type: 'list', description: 'server names' },
  only: { type: 'list', default: ['zk1'], description: 'subset' },
} as const satisfies FlagSpecs;

const parse = (...argv: string[]) => parseFlags(argv, SPECS);
function usage(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('KZ_ERR_USAGE');
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseFlags', () => {
  it('fills defaults when nothing is given', () => {
    expect(parse()).toEqual({
      flags: {
        'data-dir': 'data',
        label: undefined,
        'port-base': 2181,
        seconds: undefined,
        offset: undefined,
        json: false,
        verbose: false,
        servers: [],
        only: ['zk1'],
      },
      positionals: [],
      help: false,
    });
  });

  it('types values from the specs', () => {
    const { flags } = parse();
    expectTypeOf(flags['data-dir']).toEqualTypeOf<string>();
    expectTypeOf(flags.label).toEqualTypeOf<string | undefined>();
    expectTypeOf(flags['port-base']).toEqualTypeOf<number>();
    expectTypeOf(flags.seconds).toEqualTypeOf<number | undefined>();
    expectTypeOf(flags.json).toEqualTypeOf<boolean>();
    expectTypeOf(flags.servers).toEqualTypeOf<string[]>();
  });

  it('accepts --flag value and --flag=value', () => {
    const { flags } = parse('--data-dir', '/tmp/x', '--port-base=2281', '--seconds', '1.5', '--label=a=b');
    expect(flags['data-dir']).toBe('/tmp/x');
    expect(flags['port-base']).toBe(2281);
    expect(flags.seconds).toBe(1.5);
    expect(flags.label).toBe('a=b');
  });

  it('an empty value is allowed with = for strings', () => {
    expect(parse('--label=').flags.label).toBe('');
  });

  it('booleans: --flag, --flag=true|false, --no-flag; the last one wins', () => {
    expect(parse('--json').flags.json).toBe(true);
    expect(parse('--json=false').flags.json).toBe(false);
    expect(parse('--json=true').flags.json).toBe(true);
    expect(parse('--json', '--no-json').flags.json).toBe(false);
  });

  it('lists: comma-separated and repeated; given values replace the default', () => {
    expect(parse('--servers', 'zk1, zk2', '--servers=zk3').flags.servers).toEqual(['zk1', 'zk2', 'zk3']);
    expect(parse('--only', 'zk2').flags.only).toEqual(['zk2']);
  });

  it('repeatOnly lists keep commas and spaces: one item per occurrence', () => {
    const specs = {
      property: { type: 'list', repeatOnly: true, valueName: 'KEY=VALUE', description: 'a property' },
    } as const satisfies FlagSpecs;
    const properties = (...argv: string[]) => parseFlags(argv, specs).flags.property;
    expect(properties('--property', 'key.separator=,', '--property=print.key= true')).toEqual([
      'key.separator=,',
      'print.key= true',
    ]);
    expect(properties()).toEqual([]);
    expect(() => properties('--property=')).toThrow('--property needs a value');
  });

  it('collects positionals, including after -- and a lone -', () => {
    const { positionals, flags } = parse('zoo.cfg', '--json', '-', '--', '--not-a-flag', '-h');
    expect(positionals).toEqual(['zoo.cfg', '-', '--not-a-flag', '-h']);
    expect(flags.json).toBe(true);
  });

  it('recognises -h and --help anywhere', () => {
    expect(parse('--help').help).toBe(true);
    expect(parse('--json', '-h').help).toBe(true);
  });

  it('a negative number is a value for a number flag', () => {
    expect(parse('--offset', '-5').flags.offset).toBe(-5);
  });

  it('the last of repeated string/number flags wins', () => {
    expect(parse('--port-base', '1', '--port-base', '2').flags['port-base']).toBe(2);
  });
});

describe('parseFlags: usage errors', () => {
  it.each<[string[], string]>([
    [['--bogus'], 'unknown flag --bogus'],
    [['--bogus=1'], 'unknown flag --bogus'],
    [['-x'], 'unknown flag -x'],
    [['-json'], 'unknown flag -json'],
  ])('%j → %s', (argv, message) => {
    expect(usage(...argv)).toBe(message);
  });

  it('rejects a bare "--=x"', () => {
    expect(usage('--=x')).toBe('unknown flag --');
  });

  it('rejects --no- on a non-boolean and a value on --no-flag', () => {
    expect(usage('--no-label')).toBe('unknown flag --no-label');
    expect(usage('--no-json=1')).toBe('--no-json takes no value');
  });

  it('reports a missing value at the end or before another flag', () => {
    expect(usage('--data-dir')).toBe('--data-dir needs a value (DIR)');
    expect(usage('--label', '--json')).toBe('--label needs a value');
    expect(usage('--seconds', '-h')).toBe('--seconds needs a value');
    expect(usage('--servers')).toBe('--servers needs a value');
  });

  it('checks numbers', () => {
    expect(usage('--port-base', 'abc')).toBe('--port-base expects a number, got "abc"');
    expect(usage('--port-base=')).toBe('--port-base expects a number, got ""');
    expect(usage('--port-base', '21.5')).toBe('--port-base expects a whole number, got "21.5"');
    expect(usage('--port-base', '0')).toBe('--port-base must be at least 1, got 0');
    expect(usage('--port-base', '70000')).toBe('--port-base must be at most 65535, got 70000');
    expect(usage('--seconds', 'Infinity')).toBe('--seconds expects a number, got "Infinity"');
  });

  it('checks booleans and list items', () => {
    expect(usage('--json=yes')).toBe('--json is a switch: use --json or --no-json, not --json=yes');
    expect(usage('--servers', 'zk1,,zk2')).toBe('--servers has an empty item in "zk1,,zk2"');
  });
});

describe('formatFlagHelp', () => {
  it('lists every flag with its value name and default, then --help', () => {
    expect(formatFlagHelp(SPECS).split('\n')).toEqual([
      '  --data-dir DIR  root directory (default data)',
      '  --label VALUE   run label',
      '  --port-base N   first port (default 2181)',
      '  --seconds N     duration',
      '  --offset N      may be negative',
      '  --json          JSON output',
      '  --verbose       more output',
      '  --servers A,B   server names',
      '  --only A,B      subset (default zk1)',
      '  -h, --help      show this help',
    ]);
  });
});
