// Every error gmatrix-embed throws on purpose is a GmatrixEmbedError with a stable `code`,
// so callers can branch on `err.code` instead of parsing messages. Messages name the problem
// and the fix.
//
// Messages often quote what a file or a server said (a tensor name, a Hub error body). That
// text is untrusted: the constructor below is the one place that makes every message a single
// line of bounded length with control characters shown as escapes (`\x1b`, `\n`), so printing
// an error can never move the cursor, recolour or rewrite a terminal, or fake extra log lines.

// Long enough for every message the package writes (lists of 20 file names included); a longer
// one comes from untrusted input and is cut rather than flooding a log.
const MAX_MESSAGE_LENGTH = 4096;

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
// overrides and isolates (which can make a terminal show text in a different order).
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control character shown as an escape: `\n`, `\r`, `\t`, `\xNN`, `\uNNNN`.
 * @param {string} text
 * @returns {string}
 */
export function escapeControlCharacters(text) {
  return String(text).replace(UNSAFE_CHARACTERS, (c) => {
    const code = c.charCodeAt(0);
    return NAMED_ESCAPES[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/**
 * A name or value from an untrusted file or server, for a message: quoted, escaped, and cut to
 * `maxLength` characters (with the full length said), so a 100 MB name cannot become a 100 MB
 * message. Non-strings are described by type, never stringified.
 * @param {unknown} value
 * @param {number} [maxLength=200]
 * @returns {string}
 */
export function quoteUntrusted(value, maxLength = 200) {
  if (typeof value !== 'string') return describeUntrusted(value);
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}...` : value;
  const more = value.length > maxLength ? ` (${value.length} characters)` : '';
  return `"${escapeControlCharacters(shown)}"${more}`;
}

/**
 * Says what kind of value something is, and how big, without looking inside: safe on deeply
 * nested, cyclic or huge values (no recursion, no stringification).
 * @param {unknown} value
 * @returns {string}
 */
export function describeUntrusted(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (typeof value === 'bigint') return 'an integer beyond 2^53';
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (value instanceof Map) return `a dict of ${value.size} items`;
  if (ArrayBuffer.isView(value)) return `${value.byteLength} bytes`;
  if (typeof value === 'function') return 'a function';
  return `an object (${typeof value === 'object' ? Object.keys(value).length : 0} keys)`;
}

/** The message as the constructor stores it: one line, escaped, bounded. */
function safeMessage(message) {
  let text = escapeControlCharacters(message);
  if (text.length > MAX_MESSAGE_LENGTH) {
    text = `${text.slice(0, MAX_MESSAGE_LENGTH)}... (message cut; ${text.length} characters in all)`;
  }
  return text;
}

export class GmatrixEmbedError extends Error {
  /**
   * @param {string} code  stable machine-readable code, e.g. 'E_MODEL_FILE_MISSING'
   * @param {string} message  what went wrong and how to fix it (made one line; see safeMessage)
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(safeMessage(message), options);
    this.name = 'GmatrixEmbedError';
    this.code = code;
  }
}

/** Invalid argument or option passed by the caller. */
export class InvalidArgumentError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** A model folder or repository is missing a file or has an unusable one. */
export class ModelFormatError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_MODEL_FORMAT', message, options);
    this.name = 'ModelFormatError';
  }
}

/** A file could not be found locally or on the Hub. */
export class FileNotFoundError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_FILE_NOT_FOUND', message, options);
    this.name = 'FileNotFoundError';
  }
}

/** Network or HTTP failure while talking to the Hub. */
export class NetworkError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_NETWORK', message, options);
    this.name = 'NetworkError';
  }
}

/** Downloaded bytes do not match the checksum the Hub reported. */
export class IntegrityError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_INTEGRITY', message, options);
    this.name = 'IntegrityError';
  }
}

/** Offline mode was requested and a needed file is not in the cache. */
export class OfflineCacheMissError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_OFFLINE_CACHE_MISS', message, options);
    this.name = 'OfflineCacheMissError';
  }
}

/** The operation was cancelled through an AbortSignal. */
export class AbortError extends GmatrixEmbedError {
  constructor(message = 'The operation was aborted.', options) {
    super('E_ABORTED', message, options);
    this.name = 'AbortError';
  }
}

/** A model file contains something that is refused for safety (e.g. a pickle global not on the allow-list). */
export class UnsafeModelFileError extends GmatrixEmbedError {
  constructor(message, options) {
    super('E_UNSAFE_MODEL_FILE', message, options);
    this.name = 'UnsafeModelFileError';
  }
}

/** The object was used after dispose(). */
export class DisposedError extends GmatrixEmbedError {
  constructor(message = 'This model was disposed; load it again with Embedder.load().', options) {
    super('E_DISPOSED', message, options);
    this.name = 'DisposedError';
  }
}

/** The requested backend cannot run here (e.g. onnxruntime-node is not installed). */
export class BackendUnavailableError extends GmatrixEmbedError {
  /**
   * @param {string} backend  'native', 'webgpu', ...
   * @param {string} reason  one line: why, and what to do
   */
  constructor(backend, reason, options) {
    super('E_BACKEND_UNAVAILABLE', `The ${backend} backend is unavailable: ${reason}`, options);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    this.reason = reason;
  }
}
