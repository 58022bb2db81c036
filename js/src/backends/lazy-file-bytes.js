// A model's external-data file handed to ONNX Runtime Web without holding it in JavaScript
// (Node only). ONNX Runtime Web copies each weight into its WebAssembly heap with
// `file.subarray(offset, offset + length)` and checks bounds with `file.byteLength`; it accepts
// any Uint8Array. This one reports the file's size and reads just the requested range from disk
// when asked, so a 741 MB weights file is never held twice (once in JavaScript, once in the
// heap). ONNX Runtime copies each range into its heap before it asks for the next, so all reads
// share one scratch buffer, as large as the largest tensor: fresh memory is slow to touch on
// some machines (page faults: ~3 s per GB on this project's VMs), reused memory is not.
import fs from 'node:fs';

/** Fills `target` from byte `position` of the open file `fd` (a short read is retried). */
export function readFullyAt(fd, target, position) {
  for (let done = 0; done < target.length;) {
    const n = fs.readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) throw new Error(`The file ended at byte ${position + done} (expected ${position + target.length}).`);
    done += n;
  }
}

export class LazyFileBytes extends Uint8Array {
  #fd;
  #size;
  #scratch = new Uint8Array(0);

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

  /** Bytes [begin, end) of the file, valid until the next call (ONNX Runtime copies them at once). */
  subarray(begin = 0, end = this.#size) {
    if (this.#fd === undefined) throw new Error('LazyFileBytes: the file was closed.');
    const start = Math.max(0, Math.min(this.#size, begin));
    const stop = Math.max(start, Math.min(this.#size, end));
    // allocUnsafe: no zero-filling of bytes that are about to be overwritten.
    if (this.#scratch.length < stop - start) this.#scratch = Buffer.allocUnsafe(stop - start);
    const out = this.#scratch.subarray(0, stop - start);
    readFullyAt(this.#fd, out, start);
    return out;
  }

  close() {
    if (this.#fd === undefined) return;
    fs.closeSync(this.#fd);
    this.#fd = undefined;
    this.#scratch = new Uint8Array(0);
  }
}
