// One entry point for model weight files: picks the reader from the file's first bytes
// (a torch.save zip starts "PK\x03\x04", a legacy torch.save file with a pickle PROTO opcode),
// falling back to the name. safetensors has no magic number, so it is the default.
import { GmatrixEmbedError, InvalidArgumentError, ModelFormatError } from '../errors.js';
import { readPytorchBin } from './pytorch-pickle.js';
import { readSafetensors } from './safetensors.js';

/**
 * @param {string} fileName  e.g. 'model.safetensors' or 'pytorch_model.bin'; used for dispatch and messages
 * @param {Uint8Array} bytes  the whole file
 * @param {{onSkip?: (t: {name: string, dtype: string, dims: number[]}) => void}} [options]
 * @returns {Map<string, {dims: number[], dtype: string, data: Float32Array}>}
 */
export function readWeights(fileName, bytes, options = {}) {
  if (typeof fileName !== 'string') throw new InvalidArgumentError('readWeights: fileName must be a string.');
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`readWeights: ${fileName} must be given as a Uint8Array.`);
  }
  const opts = { ...options, name: fileName };
  const zipOrPickle = (bytes[0] === 0x50 && bytes[1] === 0x4b) || bytes[0] === 0x80;
  // torch.save's usual names go to the torch reader even when the magic is wrong, so the error
  // message talks about torch.save rather than about a safetensors header.
  const read = zipOrPickle || /\.(bin|pt|pth)$/i.test(fileName) ? readPytorchBin : readSafetensors;
  try {
    return read(bytes, opts);
  } catch (err) {
    // The readers turn every problem they know of into a typed error (the fuzz tests hold them
    // to it). Should a file still reach a plain exception, the caller gets the same one-line,
    // typed error as for any other broken file instead of a stack trace.
    if (err instanceof GmatrixEmbedError) throw err;
    throw new ModelFormatError(`${fileName}: could not be read (${err?.name ?? 'Error'}: ${err?.message ?? err}); `
      + 'the file is damaged or unusual. Please report this with the file.', { cause: err });
  }
}
