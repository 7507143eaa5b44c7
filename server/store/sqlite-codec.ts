/**
 * How a record is laid out in a SQLite row: `doc` is JSON text, `bin` one BLOB holding every binary value
 * of the record back to back. In the JSON, a Date is `{"$date": ISO-8601}` (ISO strings of the same length
 * sort like the instants, so SQL range comparisons and indexes on Dates work on this text) and a
 * Uint8Array is `{"$bin": [offset, length]}` pointing into `bin`. Yjs updates and states therefore sit in
 * the database as raw bytes, never base64. Field names starting with `$` cannot occur in stored records
 * (MongoDB forbids them too), so the two tags are unambiguous.
 */

export interface EncodedRow {
  json: string;
  bin: Buffer | null;
}

const asBuffer = (v: Uint8Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Turns a record into its row: JSON text plus the concatenated binary values. */
export function encodeRow(record: object): EncodedRow {
  const parts: Uint8Array[] = [];
  let size = 0;
  const walk = (v: unknown): unknown => {
    if (v instanceof Uint8Array) {
      const at = size;
      parts.push(v);
      size += v.byteLength;
      return { $bin: [at, v.byteLength] };
    }
    if (v instanceof Date) return { $date: v.toISOString() };
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : walk(x)));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const json = JSON.stringify(walk(record));
  const bin = parts.length === 0 ? null : parts.length === 1 ? asBuffer(parts[0]!) : Buffer.concat(parts, size);
  return { json, bin };
}

/** Turns a row back into the record, binary values as plain Uint8Array views of the row's BLOB. */
export function decodeRow<T>(json: string, bin: Buffer | null): T {
  // Most records carry no tag at all; skip the reviver for them.
  if (!json.includes('{"$')) return JSON.parse(json) as T;
  return JSON.parse(json, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const rec = value as Record<string, unknown>;
      if (typeof rec.$date === 'string' && Object.keys(rec).length === 1) return new Date(rec.$date);
      if (Array.isArray(rec.$bin) && Object.keys(rec).length === 1) {
        const [at, len] = rec.$bin as [number, number];
        if (!bin) throw new Error('stored record refers to binary data its row does not have');
        return new Uint8Array(bin.buffer, bin.byteOffset + at, len);
      }
    }
    return value;
  }) as T;
}

/** The SQL text a Date encodes to inside `doc`, as `json_extract` returns it: what range bounds compare with. */
export const dateText = (d: Date) => `{"$date":"${d.toISOString()}"}`;

/** Every stored Date's text lies in [DATE_LOW, DATE_HIGH): used to bracket Date ranges to Dates only. */
export const DATE_LOW = '{"$date":"';
export const DATE_HIGH = '{"$date":"~';
