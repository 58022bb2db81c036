// File selection for snapshotDownload: glob patterns or a predicate over repository paths.
import { InvalidArgumentError } from '../errors.js';

/**
 * Compiles `include` to a predicate. Patterns use the usual glob rules: `*` and `?` stay within
 * one path segment, `**` spans segments (so `*.json` matches `config.json` but not
 * `1_Pooling/config.json`; `**\/*.json` matches both).
 * @param {undefined | string | string[] | ((path: string) => boolean)} include  undefined: every file
 * @returns {(path: string) => boolean}
 */
export function makeFileFilter(include) {
  if (include === undefined) return () => true;
  if (typeof include === 'function') return (path) => Boolean(include(path));
  const patterns = typeof include === 'string' ? [include] : include;
  if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string' && p !== '')) {
    throw new InvalidArgumentError('include must be a glob string, an array of glob strings, or a function (path) => boolean.');
  }
  const regexes = patterns.map(globToRegExp);
  return (path) => regexes.some((re) => re.test(path));
}

/** Patterns without wildcards, which name one file each; a snapshot must contain them. */
export function literalPatterns(include) {
  const patterns = typeof include === 'string' ? [include] : Array.isArray(include) ? include : [];
  return patterns.filter((p) => !/[*?]/.test(p));
}

/** @param {string} glob @returns {RegExp} */
export function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') { i++; source += '(?:.*/)?'; } else source += '.*';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
