// ONNX external data for the quantizer: reading initializers whose bytes live in a side file
// (e.g. `model.onnx_data`), and moving initializers out of a model that would exceed protobuf's
// 2 GB message limit.
import { DataLocation, DataType } from './onnx-proto.js';
import { InvalidArgumentError, ModelFormatError } from '../errors.js';

/**
 * Turns the caller's `externalData` option into `(location, offset, length) => Uint8Array`.
 * Accepted: a function of that shape, returning either the whole file or exactly the requested
 * bytes (the latter lets a caller read tensor by tensor from disk instead of holding the file);
 * onnxruntime-web's own form `[{path, data}]` (so the same value can be handed to
 * InferenceSession.create); or one Uint8Array used for every location.
 */
export function externalDataResolver(option) {
  if (option === undefined || option === null) {
    return (location) => {
      throw new InvalidArgumentError(
        `The model keeps weights in the external file "${location}"; pass its bytes as ` +
        "options.externalData (a Uint8Array, [{path, data}], or a function (location, offset, length) => Uint8Array).");
    };
  }
  if (typeof option === 'function') return option;
  if (option instanceof Uint8Array) return () => option;
  if (Array.isArray(option)) {
    const byPath = new Map(option.map(({ path, data }) => [normalize(path), data]));
    return (location) => {
      const data = byPath.get(normalize(location));
      if (!data) throw new InvalidArgumentError(`options.externalData has no entry for "${location}".`);
      return data;
    };
  }
  throw new InvalidArgumentError(
    'options.externalData must be a Uint8Array, an array of {path, data}, or a function (location, offset, length) => Uint8Array.');
}

const normalize = (p) => String(p).replace(/^(\.\/)+/, '');

/** The raw little-endian bytes of an initializer stored externally. */
export function readExternalBytes(tensor, resolve) {
  const entry = Object.fromEntries(tensor.externalData.map(({ key, value }) => [key, value]));
  const offset = entry.offset ? Number(entry.offset) : 0;
  const requested = entry.length ? Number(entry.length) : undefined;
  const file = resolve(entry.location, offset, requested);
  if (!(file instanceof Uint8Array)) {
    throw new InvalidArgumentError(`External data for "${entry.location}" must be a Uint8Array.`);
  }
  // Exactly the requested size means the resolver returned the slice itself (a whole file of that
  // size can only be the same bytes, at offset 0).
  if (requested !== undefined && file.length === requested) return file;
  const length = requested ?? file.length - offset;
  if (offset + length > file.length) {
    throw new ModelFormatError(
      `Initializer ${tensor.name} needs bytes ${offset}..${offset + length} of "${entry.location}", ` +
      `but only ${file.length} bytes were given.`);
  }
  return file.subarray(offset, offset + length);
}

export const isExternal = (tensor) => tensor.dataLocation === DataLocation.EXTERNAL;

/** A float32 tensor's values, without copying where the bytes are already 4-byte aligned. */
export function float32Values(bytes) {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** The same initializer with its external bytes copied inline (rawData). */
export function inlineTensor(tensor, resolve) {
  const { externalData, dataLocation, ...rest } = tensor;
  return { ...rest, rawData: readExternalBytes(tensor, resolve) };
}

/** Bytes an inline initializer occupies (raw_data, or the typed repeated fields). */
export function tensorByteSize(tensor) {
  if (tensor.rawData?.length) return tensor.rawData.length;
  const n = (tensor.floatData?.length ?? 0) + (tensor.int32Data?.length ?? 0);
  const wide = (tensor.int64Data?.length ?? 0) + (tensor.doubleData?.length ?? 0) + (tensor.uint64Data?.length ?? 0);
  return 4 * n + 8 * wide;
}

// Each tensor starts on a 4 KiB boundary so that runtimes that memory-map the file can map it
// (and typed-array views over it are aligned); the padding is negligible next to > 2 GB of weights.
const ALIGN = 4096;
const MIN_EXTERNAL_BYTES = 1024; // the threshold onnx's own convert_model_to_external_data uses

/**
 * Moves every raw_data initializer of at least 1 KiB into one external file.
 * @returns {{initializers: object[], data: Uint8Array}}
 */
export function moveToExternalData(initializers, location) {
  const plan = [];
  let size = 0;
  for (const t of initializers) {
    if (!(t.rawData?.length >= MIN_EXTERNAL_BYTES) || t.dataType === DataType.STRING) continue;
    size = Math.ceil(size / ALIGN) * ALIGN;
    plan.push({ t, offset: size });
    size += t.rawData.length;
  }
  const data = new Uint8Array(size);
  const moved = new Map();
  for (const { t, offset } of plan) {
    data.set(t.rawData, offset);
    const { rawData, ...rest } = t;
    moved.set(t, {
      ...rest,
      dataLocation: DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(rawData.length) },
      ],
    });
  }
  return { initializers: initializers.map((t) => moved.get(t) ?? t), data };
}
