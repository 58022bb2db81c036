// The WebAssembly core (wasm/src, built to js/wasm/), loaded once per process or page.
// Its functions return {value} or {error: {code, message}}; `unwrap` turns the latter into
// the package's typed errors, so no caller sees a raw status object.
import createGmatrixCore from '../wasm/gmatrix_core.mjs';
import { GmatrixEmbedError, InvalidArgumentError, ModelFormatError } from './errors.js';

export const core = await createGmatrixCore();

const errorClasses = {
  E_INVALID_ARGUMENT: InvalidArgumentError,
  E_MODEL_FORMAT: ModelFormatError,
};

/** @template T @param {{value?: T, error?: {code: string, message: string}}} result @returns {T} */
export function unwrap(result) {
  if (!result.error) return result.value;
  const ErrorClass = errorClasses[result.error.code];
  if (ErrorClass) throw new ErrorClass(result.error.message);
  throw new GmatrixEmbedError(result.error.code, result.error.message);
}

/** Build facts of the loaded core: `{simd: boolean, unicodeVersion: string}`. */
export function coreInfo() {
  return core.buildInfo();
}
