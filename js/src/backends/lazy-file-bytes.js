// A model's external-data file handed to ONNX Runtime Web without holding it in JavaScript
// (Node only). ONNX Runtime Web copies each weight into its WebAssembly heap with
// `file.subarray(offset, offset + length)` and checks bounds with `file.byteLength`; it accepts
// any Uint8Array. This one reports the file's size and reads just the requested range from disk
// when asked, so a 741 MB weights file is never held twice (once in JavaScript, once in the
// heap): peak memory is the heap plus the one tensor being copied.
import fs from 'node:fs';

export class LazyFileBytes extends Uint8Array {
  #fd;
  #size;

  /** @param {string} filePath */
  constructor(filePath) {
    super(0);
    this.#fd = fs.openSync(filePath, 'r');
    this.#size = fs.fstatSync(this.#fd).size;
  }

  get byteLength() {
    return this.#size;
  }

  get length() {
    return this.#size;
  }

  /** Reads bytes [begin, end) of the file into a new Uint8Array. */
  subarray(begin = 0, end = this.#size) {
    if (this.#fd === undefined) throw new Error('LazyFileBytes: the file was closed.');
    const start = Math.max(0, Math.min(this.#size, begin));
    const stop = Math.max(start, Math.min(this.#size, end));
    // allocUnsafe: no zero-filling of bytes that are about to be overwritten. ONNX Runtime copies
    // them into its heap at once and drops them.
    const out = Buffer.allocUnsafe(stop - start);
    for (let done = 0; done < out.length;) {
      const n = fs.readSync(this.#fd, out, done, out.length - done, start + done);
      if (n === 0) throw new Error(`LazyFileBytes: the file ended at byte ${start + done} of ${this.#size}.`);
      done += n;
    }
    return out;
  }

  close() {
    if (this.#fd === undefined) return;
    fs.closeSync(this.#fd);
    this.#fd = undefined;

  }
}
