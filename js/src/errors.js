// Every error gmatrix-embed throws on purpose is a GmatrixEmbedError with a stable `code`,
// so callers can branch on `err.code` instead of parsing messages. Messages name the problem
// and the fix.

export class GmatrixEmbedError extends Error {
  /**
   * @param {string} code  stable machine-readable code, e.g. 'E_MODEL_FILE_MISSING'
   * @param {string} message  what went wrong and how to fix it
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
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
