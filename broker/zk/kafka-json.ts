// JSON the way Kafka's kafka.utils.Json (Jackson's ObjectMapper with default settings) writes it: compact,
// no spaces, object entries in the order the source map iterates (see scala-collection-order.ts), strings
// escaped like Jackson (\" \\ \b \t \n \f \r, other control characters as \u00XX with upper-case hex;
// `/` and non-ASCII characters are written as they are, in UTF-8).
//
// A JsonObject keeps an explicit entry order: plain JS objects cannot (they put integer-like keys such as
// partition ids "0", "1" first, in numeric order).
//
// Pure: no I/O.

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;

export class JsonObject {
  readonly entries: readonly (readonly [string, JsonValue])[];
  constructor(entries: readonly (readonly [string, JsonValue])[]) {
    this.entries = entries;
  }
}

export function jsonObject(entries: readonly (readonly [string, JsonValue])[]): JsonObject {
  return new JsonObject(entries);
}

const HEX = '0123456789ABCDEF';

function escapeString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20) {
      switch (code) {
        case 0x08:
          out += '\\b';
          break;
        case 0x09:
          out += '\\t';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0c:
          out += '\\f';
          break;
        case 0x0d:
          out += '\\r';
          break;
        default:
          out += `\\u00${HEX[code >> 4]}${HEX[code & 0xf]}`;
      }
    } else out += ch;
  }
  return `${out}"`;
}

export function encodeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as JSON`);
    return String(value);
  }
  if (value instanceof JsonObject) {
    return `{${value.entries.map(([key, entry]) => `${escapeString(key)}:${encodeJson(entry)}`).join(',')}}`;
  }
  return `[${(value as readonly JsonValue[]).map(encodeJson).join(',')}]`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJsonBytes(value: JsonValue): Uint8Array {
  return encoder.encode(encodeJson(value));
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 decoding that fails on invalid bytes (throws TypeError). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
