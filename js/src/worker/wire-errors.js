// Errors crossing the worker boundary. Structured cloning keeps an Error's message but not its
// class or fields, so the worker sends the name, code and fields, and the page rebuilds the same
// class from errors.js: callers branch on `instanceof` and `code` as they would in the page.
import * as errors from '../errors.js';

const { GmatrixEmbedError, BackendUnavailableError } = errors;

/** A cloneable description of `err` (the worker side). */
export function serializeError(err) {
  const extra = {};
  // Fields such as `backend`, `reason`, `missingFiles`: plain data only (`cause` may hold anything).
  for (const [key, value] of Object.entries(err ?? {})) {
    if (key !== 'cause' && isPlainData(value)) extra[key] = value;
  }
  return { name: String(err?.name ?? 'Error'), message: String(err?.message ?? err), extra };
}

/** The error `serializeError` described, as an instance of its class (the page side). */
export function reviveError({ name, message, extra }) {
  const Class = Object.hasOwn(errors, name) ? errors[name] : undefined;
  let err;
  if (Class === BackendUnavailableError) err = new Class(extra.backend, extra.reason);
  else if (Class === GmatrixEmbedError) err = new Class(extra.code, message);
  else if (typeof Class === 'function' && Class.prototype instanceof GmatrixEmbedError) err = new Class(message);
  else {
    // Not one of ours (a bug, or a browser error): its name and message, as they were.
    err = new Error(message);
    err.name = name;
  }
  Object.assign(err, extra);
  err.message = message; // exactly the worker's (the constructors would cut a long one again)
  return err;
}

function isPlainData(value) {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  return Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number');
}
