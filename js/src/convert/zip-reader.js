// A bounded zip reader for torch.save archives. General-purpose unzippers trust the central
// directory: they loop over the entry count it declares and allocate the sizes it declares, so a
// tiny file that lies (a zip64 count of 2^40, a 4 GB "uncompressed size") hangs or exhausts
// memory. Here every declared count, size and offset is checked against the bytes actually
// present before anything is allocated or looped over, and nothing is inflated until asked for:
//   readZipDirectory(bytes)        entry names -> where their bytes are (no data is touched)
//   readZipEntry(bytes, entry, n)  one entry's bytes, inflating at most n bytes
// Layout and field offsets follow PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.14-16, 4.5.3).
// fflate does the inflating only, through its streaming interface so output can be cut off.
import { Inflate } from 'fflate';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46; // the fixed part; every central entry is at least this long
const EOCD_SIZE = 22;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const MAX_COMMENT_LENGTH = 0xffff;
const STORED = 0;
const DEFLATED = 8;
// DEFLATE's densest code is a 258-byte match in one or two bits, about 1:1032; a declared size
// beyond that many times the compressed bytes cannot be true, so it is refused unread.
const MAX_DEFLATE_RATIO = 1032;
// Compressed bytes handed to the inflater per step. Each step yields at most ~16 MB, so an entry
// that inflates past its limit is stopped within one step of crossing it.
const INFLATE_STEP = 16 * 1024;

/**
 * @typedef {object} ZipEntry
 * @property {string} name
 * @property {number} method        0 stored, 8 deflated
 * @property {number} size          declared uncompressed size (checked: possible for the bytes present)
 * @property {number} dataStart     offset of the entry's (compressed) bytes in the file
 * @property {number} dataLength    compressed size
 */

/**
 * Reads and checks the central directory.
 * @param {Uint8Array} bytes  the whole archive
 * @param {(problem: string) => Error} fail  makes the error to throw (labelled by the caller)
 * @returns {Map<string, ZipEntry>}
 */
export function readZipDirectory(bytes, fail) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at) => view.getUint16(at, true);
  const u32 = (at) => view.getUint32(at, true);
  const u64 = (at, what) => {
    const value = view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
    if (!Number.isSafeInteger(value)) throw fail(`zip ${what} ${value} is beyond any possible file`);
    return value;
  };

  const eocd = findEndRecord(bytes, u32, fail);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) throw fail('the archive spans several disks, which torch.save never writes');
  let count = u16(eocd + 10);
  let directorySize = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  let directoryEnd = eocd; // the central directory must end before the records that describe it

  // zip64: torch writes these records for every archive. Where the 32-bit fields are not
  // saturated (0xffff / 0xffffffff) the two records must agree, or one of them lies.
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && u32(locator) === SIG_ZIP64_LOCATOR) {
    const record = u64(locator + 8, 'zip64 record offset');
    if (record > locator - ZIP64_EOCD_SIZE || u32(record) !== SIG_ZIP64_EOCD) {
      throw fail(`zip64 end record offset ${record} does not point at a zip64 end record`);
    }
    const count64 = u64(record + 32, 'entry count');
    const size64 = u64(record + 40, 'central directory size');
    const offset64 = u64(record + 48, 'central directory offset');
    if ((count !== 0xffff && count !== count64) || (directorySize !== 0xffffffff && directorySize !== size64)
      || (directoryOffset !== 0xffffffff && directoryOffset !== offset64)) {
      throw fail('the end record and the zip64 end record disagree about the central directory');
    }
    [count, directorySize, directoryOffset, directoryEnd] = [count64, size64, offset64, record];
  } else if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    throw fail('the end record points to a zip64 record that is not there');
  }

  if (directoryOffset + directorySize > directoryEnd) {
    throw fail(`the central directory (${directorySize} bytes at offset ${directoryOffset}) runs past `
      + `the end of the archive's entries (byte ${directoryEnd})`);
  }
  // The count is believed only as far as the directory's bytes can hold that many entries.
  if (count > directorySize / CENTRAL_HEADER_SIZE) {
    throw fail(`the central directory claims ${count} entries but its ${directorySize} bytes hold at most `
      + `${Math.floor(directorySize / CENTRAL_HEADER_SIZE)}`);
  }

  const entries = new Map();
  const names = new TextDecoder(); // torch writes ASCII names; anything odd decodes visibly
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_SIZE > directoryOffset + directorySize || u32(at) !== SIG_CENTRAL) {
      throw fail(`central directory entry ${i} of ${count} is not where the directory says`);
    }
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let dataLength = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (next > directoryOffset + directorySize) throw fail(`central directory entry ${i} runs past the directory`);
    const name = names.decode(bytes.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength));
    const label = `zip entry ${quote(name)}`;

    // Saturated 32-bit fields are in the zip64 extra field, in this order, only when saturated.
    if (size === 0xffffffff || dataLength === 0xffffffff || localOffset === 0xffffffff) {
      const extra = findExtraField(view, at + CENTRAL_HEADER_SIZE + nameLength, extraLength, 0x0001);
      let field = extra ? extra.start : -1;
      const next64 = (what) => {
        if (!extra || field + 8 > extra.end) throw fail(`${label} lacks the zip64 ${what} its header refers to`);
        const value = u64(field, `${what} of ${label}`);
        field += 8;
        return value;
      };
      if (size === 0xffffffff) size = next64('size');
      if (dataLength === 0xffffffff) dataLength = next64('compressed size');
      if (localOffset === 0xffffffff) localOffset = next64('offset');
    }

    if (flags & 0x1) throw fail(`${label} is encrypted`);
    if (method !== STORED && method !== DEFLATED) throw fail(`${label} uses compression method ${method}; only stored and deflated entries can be read`);
    if (method === STORED && size !== dataLength) throw fail(`${label} is stored but declares ${size} bytes in ${dataLength}`);
    if (method === DEFLATED && size > dataLength * MAX_DEFLATE_RATIO + 64) {
      throw fail(`${label} declares ${size} bytes inflated from ${dataLength}, more than deflate can expand to`);
    }
    // Entry data lies between its local header and the central directory.
    if (localOffset + LOCAL_HEADER_SIZE > directoryOffset || u32(localOffset) !== SIG_LOCAL) {
      throw fail(`${label} has its local header at offset ${localOffset}, outside the archive's data`);
    }
    const dataStart = localOffset + LOCAL_HEADER_SIZE + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataStart + dataLength > directoryOffset) {
      throw fail(`${label} (${dataLength} bytes at offset ${dataStart}) runs past the archive's data`);
    }
    if (entries.has(name)) throw fail(`${label} appears twice in the central directory`);
    entries.set(name, { name, method, size, dataStart, dataLength, localOffset });
    at = next;
  }
  checkNoOverlap(entries, fail);
  return entries;
}

/**
 * One entry's uncompressed bytes. Stored entries are returned as a view (no copy); deflated ones
 * are inflated step by step and refused the moment they pass `limit` bytes.
 * @param {Uint8Array} bytes  the archive
 * @param {ZipEntry} entry
 * @param {{exactly?: number, atMost?: number}} want  the size the caller needs (refused if the
 *   entry declares another), or a ceiling for entries of unknown size
 * @param {(problem: string) => Error} fail
 * @returns {Uint8Array}
 */
export function readZipEntry(bytes, entry, want, fail) {
  const label = `zip entry ${quote(entry.name)}`;
  if (want.exactly !== undefined && entry.size !== want.exactly) {
    throw fail(`${label} declares ${entry.size} bytes but ${want.exactly} are expected`);
  }
  if (want.atMost !== undefined && entry.size > want.atMost) {
    throw fail(`${label} declares ${entry.size} bytes, more than the ${want.atMost} allowed`);
  }
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.dataLength);
  if (entry.method === STORED) return data;
  return inflateBounded(data, entry.size, label, fail);
}

/** Inflates `data`, which must come to exactly `size` bytes; never produces much more. */
function inflateBounded(data, size, label, fail) {
  const out = new Uint8Array(size); // size is checked against the compressed bytes already
  let length = 0;
  let overflow = false;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    if (overflow) return;
    if (length + chunk.length > size) {
      overflow = true;
      return;
    }
    out.set(chunk, length);
    length += chunk.length;
    ended ||= final;
  });
  try {
    for (let at = 0; at < data.length && !overflow; at += INFLATE_STEP) {
      const end = Math.min(at + INFLATE_STEP, data.length);
      inflater.push(data.subarray(at, end), end === data.length);
    }
    if (data.length === 0) inflater.push(data, true);
  } catch (cause) {
    throw fail(`${label} is damaged (${cause?.message ?? 'inflate failed'})`);
  }
  if (overflow) throw fail(`${label} inflates past the ${size} bytes it declares; refused as a decompression bomb`);
  if (length !== size || !ended) throw fail(`${label} inflates to ${length} bytes but declares ${size}`);
  return out;
}

/** The end of central directory record: the last signature that leaves room for its comment. */
function findEndRecord(bytes, u32, fail) {
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT_LENGTH);
  for (let at = bytes.length - EOCD_SIZE; at >= lowest; at--) {
    if (u32(at) === SIG_EOCD && at + EOCD_SIZE + (bytes[at + 20] | (bytes[at + 21] << 8)) <= bytes.length) return at;
  }
  throw fail('no end of central directory record; the file is truncated or not a zip');
}

/** The [start, end) of the data of extra field `id` within a header's extra area, or null. */
function findExtraField(view, start, length, id) {
  for (let at = start; at + 4 <= start + length;) {
    const fieldId = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (at + 4 + size > start + length) return null;
    if (fieldId === id) return { start: at + 4, end: at + 4 + size };
    at += 4 + size;
  }
  return null;
}

/**
 * Entries whose bytes overlap are how "overlapping file" zip bombs multiply one compressed
 * block into many outputs; no writer produces them.
 */
function checkNoOverlap(entries, fail) {
  const sorted = [...entries.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    if (sorted[i].localOffset < previous.dataStart + previous.dataLength) {
      throw fail(`zip entries ${quote(previous.name)} and ${quote(sorted[i].name)} overlap`);
    }
  }
}

function quote(name) {
  return `"${name.length > 100 ? `${name.slice(0, 100)}...` : name}"`;
}
