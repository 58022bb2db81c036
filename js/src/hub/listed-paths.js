// Which file names from a Hub listing can become files in the cache. The listing is the server's
// word, and each name becomes a path under the cache folder, so names that could escape it, fail
// on a file system, or collide with another listed name are left out, each with a reason:
//   - not a safe relative path (`..`, empty parts, backslashes, NUL): could escape the cache
//   - control characters (ANSI escapes, newlines, bidi overrides): no model file has them, and
//     they would end up in messages and terminals
//   - a part longer than 255 bytes, or a path longer than 1024 bytes: file systems refuse them
//   - listed twice: which size and hash would be the right one?
//   - a name that is also a folder of other listed files (`a` and `a/b`): both cannot exist
//   - names equal but for letter case or Unicode normalization: one file on macOS and Windows,
//     where the second download would overwrite the first after it was verified
import { isRepoPath } from './repo-id.js';

const MAX_NAME_BYTES = 255; // NAME_MAX of ext4, APFS, NTFS
// Repository paths are short ("1_Pooling/config.json"); 1024 bytes leaves the cache folder
// itself room under Linux's 4096-byte PATH_MAX.
const MAX_PATH_BYTES = 1024;
// Skipped names are kept (for messages and the cached listing) up to this many characters.
const MAX_KEPT_LENGTH = 4096;
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const utf8Length = (s) => new TextEncoder().encode(s).length;
// The name as case-insensitive, normalization-insensitive file systems see it.
const folded = (s) => s.normalize('NFC').toLowerCase();

/**
 * @param {unknown[]} names  the listing's `rfilename`s, in order
 * @returns {{accepted: Set<string>, skipped: {path: string, reason: string}[]}}
 */
export function checkListedPaths(names) {
  const skipped = [];
  const skip = (path, reason) => skipped.push({ path: path.slice(0, MAX_KEPT_LENGTH), reason });

  // Names that are fine on their own, with how often each occurs.
  const counts = new Map();
  for (const name of names) {
    if (typeof name !== 'string') continue; // nothing to ask for by name
    const reason = problemWith(name);
    if (reason) skip(name, reason);
    else counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const single = [];
  for (const [name, count] of counts) {
    if (count > 1) skip(name, `it is listed ${count} times`);
    else single.push(name);
  }

  // Collisions between different names, as a case-insensitive file system sees them.
  const byFolded = new Map();
  for (const name of single) {
    const key = folded(name);
    if (byFolded.has(key)) byFolded.get(key).push(name);
    else byFolded.set(key, [name]);
  }
  const clash = new Map(); // name -> reason
  for (const group of byFolded.values()) {
    if (group.length > 1) for (const name of group) clash.set(name, 'another listed file differs from it only in letter case or Unicode normalization');
  }
  for (const name of single) {
    const parts = folded(name).split('/');
    let prefix = parts[0];
    for (let i = 1; i < parts.length; prefix += `/${parts[i++]}`) {
      const folder = byFolded.get(prefix);
      if (!folder) continue;
      clash.set(name, 'a listed file has the name of one of its folders');
      for (const file of folder) clash.set(file, 'it is listed both as a file and as a folder of other files');
    }
  }

  const accepted = new Set();
  for (const name of single) {
    if (clash.has(name)) skip(name, clash.get(name));
    else accepted.add(name);
  }
  return { accepted, skipped };
}

function problemWith(name) {
  if (UNSAFE_CHARACTERS.test(name)) return 'its name contains control characters';
  if (!isRepoPath(name)) return 'it is not a safe relative path';
  if (name.split('/').some((part) => utf8Length(part) > MAX_NAME_BYTES)) return `a part of its name is longer than ${MAX_NAME_BYTES} bytes`;
  if (utf8Length(name) > MAX_PATH_BYTES) return `its path is longer than ${MAX_PATH_BYTES} bytes`;
  return undefined;
}
