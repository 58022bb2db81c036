// What a downloaded file must hash to, and the check itself. Every file the listing describes
// can be verified: LFS files by the sha256 the Hub reports, small (non-LFS) files by their git
// blob id, which is sha1("blob <size>\0" + content).
import { IntegrityError } from '../errors.js';

/**
 * @typedef {object} Expectation
 * @property {string} label            names the file in error messages
 * @property {number} [size]           expected byte count
 * @property {'SHA-256'|'SHA-1'} [algorithm]  WebCrypto algorithm name; absent: nothing to hash against
 * @property {string} [hex]            expected digest, lowercase hex
 * @property {Uint8Array} [prefix]     bytes hashed before the content (the git blob header)
 * @property {string} [source]         where `hex` came from, for the error message
 */

/**
 * @param {import('./listing.js').RepoFile} file
 * @param {import('./http.js').LinkedMeta} meta  headers seen while downloading
 * @param {string} label
 * @returns {Expectation}
 */
export function expectationFor(file, meta, label) {
  const size = file.size ?? toSize(meta.linkedSize);
  if (file.sha256) return { label, size, algorithm: 'SHA-256', hex: file.sha256, source: 'the listing (lfs.sha256)' };
  const linked = parseEtag(meta.linkedEtag);
  if (/^[0-9a-f]{64}$/.test(linked ?? '')) return { label, size, algorithm: 'SHA-256', hex: linked, source: 'X-Linked-Etag' };
  if (file.gitBlobId && size !== undefined) {
    const prefix = new TextEncoder().encode(`blob ${size}\0`);
    return { label, size, algorithm: 'SHA-1', hex: file.gitBlobId, prefix, source: 'the git blob id' };
  }
  return { label, size };
}

/** Strips the quotes and weak marker of an ETag value: `W/"abc"` -> `abc`. */
export function parseEtag(value) {
  return value?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

/**
 * Throws IntegrityError unless the actual size and digest match the expectation.
 * @param {Expectation} expect
 * @param {number} actualSize
 * @param {string} [actualHex]  needed when `expect.algorithm` is set
 */
export function checkIntegrity(expect, actualSize, actualHex) {
  if (expect.size !== undefined && actualSize !== expect.size) {
    throw new IntegrityError(`${expect.label}: downloaded ${actualSize} bytes but the Hub reports ${expect.size}. The bytes were discarded; try again.`);
  }
  if (expect.algorithm && actualHex !== expect.hex) {
    throw new IntegrityError(`${expect.label}: ${expect.algorithm} of the download is ${actualHex} but ${expect.source} says ${expect.hex}. The bytes were discarded and nothing was cached; try again, and report it if it persists.`);
  }
}

/** Verifies bytes held in memory with WebCrypto (browsers and Node alike). */
export async function verifyBytes(bytes, expect) {
  let actualHex;
  if (expect.algorithm) {
    const data = expect.prefix ? concatBytes([expect.prefix, bytes]) : bytes;
    actualHex = toHex(await crypto.subtle.digest(expect.algorithm, data));
  }
  checkIntegrity(expect, bytes.length, actualHex);
}

/** @param {ArrayBuffer | Uint8Array} buffer */
export function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {Uint8Array[]} chunks */
export function concatBytes(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function toSize(value) {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
