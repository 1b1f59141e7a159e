// The Java properties file format (java.util.Properties.load), which Kafka's `server.properties` uses.
//
// The rules, as the JDK applies them:
//   * The file is split into *natural* lines at \n, \r or \r\n. A natural line that ends in an odd number
//     of backslashes continues on the next natural line; the leading whitespace of that next line is
//     dropped. Several natural lines joined this way form one *logical* line.
//   * A logical line whose first non-blank character is `#` or `!` is a comment. Blank lines are skipped.
//     (A continuation line is never a comment, even if it starts with `#`.)
//   * The key runs from the first non-blank character up to the first unescaped `=`, `:` or whitespace.
//     Whitespace around the separator is skipped, and at most one `=` or `:` is taken as the separator, so
//     `a = = b` has the value `= b`. A line with only a key has the empty string as its value.
//   * Backslash escapes in keys and values: `\t \n \r \f`, `\uXXXX` (exactly four hex digits; anything else
//     is an error, "Malformed \uxxxx encoding"), and `\x` for any other character x means x itself.
//     A single trailing backslash at the very end of the file is dropped.
//   * Trailing whitespace of a value is kept (Kafka's ConfigDef trims values later).
//
// Pure: no I/O. The caller reads the file and passes its text.

import { ConfigError } from '../../client/common/errors.ts';

/** One `key=value` entry, with the 1-based line on which its logical line starts. */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

interface LogicalLine {
  /** Raw text with continuations joined (escapes not yet decoded). */
  readonly text: string;
  readonly line: number;
}

const WHITESPACE = new Set([' ', '\t', '\f']);

function splitLogicalLines(text: string): LogicalLine[] {
  // Natural lines; \r\n counts as one terminator.
  const natural = text.split(/\r\n|\r|\n/);
  const result: LogicalLine[] = [];
  let current: string | undefined;
  let startLine = 0;
  for (let index = 0; index < natural.length; index++) {
    let raw = natural[index];
    if (current === undefined) {
      // Skip leading whitespace; decide comment/blank on the first natural line only.
      let start = 0;
      while (start < raw.length && WHITESPACE.has(raw[start])) start++;
      raw = raw.slice(start);
      if (raw === '' || raw[0] === '#' || raw[0] === '!') continue;
      startLine = index + 1;
      current = '';
    } else {
      let start = 0;
      while (start < raw.length && WHITESPACE.has(raw[start])) start++;
      raw = raw.slice(start);
    }
    let backslashes = 0;
    for (let i = raw.length - 1; i >= 0 && raw[i] === '\\'; i--) backslashes++;
    if (backslashes % 2 === 1) {
      current += raw.slice(0, -1);
      if (index === natural.length - 1) {
        result.push({ text: current, line: startLine });
        current = undefined;
      }
      continue;
    }
    current += raw;
    result.push({ text: current, line: startLine });
    current = undefined;
  }
  return result;
}

function decodeEscapes(text: string, line: number, file: string | undefined): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    i++;
    if (i >= text.length) break;
    const next = text[i];
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = text.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new ConfigError(
            'malformed \\uxxxx escape (a \\u must be followed by exactly four hex digits)',
            {
              file,
              line,
            },
          );
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += next;
    }
  }
  return out;
}

/** Finds where the key ends (index of the first unescaped separator or whitespace). */
function keyEnd(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '=' || ch === ':' || WHITESPACE.has(ch)) return i;
  }
  return text.length;
}

/**
 * Parses Java properties text into entries in file order. Duplicate keys are all returned (the caller
 * decides; Java keeps the last one). Throws ConfigError only for a malformed `\u` escape.
 */
export function parseJavaProperties(text: string, file?: string): PropertyEntry[] {
  const entries: PropertyEntry[] = [];
  for (const logical of splitLogicalLines(text)) {
    const end = keyEnd(logical.text);
    let valueStart = end;
    while (valueStart < logical.text.length && WHITESPACE.has(logical.text[valueStart])) valueStart++;
    if (
      valueStart < logical.text.length &&
      (logical.text[valueStart] === '=' || logical.text[valueStart] === ':')
    ) {
      valueStart++;
      while (valueStart < logical.text.length && WHITESPACE.has(logical.text[valueStart])) valueStart++;
    }
    entries.push({
      key: decodeEscapes(logical.text.slice(0, end), logical.line, file),
      value: decodeEscapes(logical.text.slice(valueStart), logical.line, file),
      line: logical.line,
    });
  }
  return entries;
}
