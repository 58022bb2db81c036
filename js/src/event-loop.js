// Lets timers, I/O callbacks, abort signals and dispose() run between batches. ONNX Runtime Web
// with one thread runs a batch synchronously inside a promise, so a long embed() would otherwise
// hold the event loop for its whole duration (a page freezes; Ctrl-C or dispose() waits).

// A macrotask that runs as soon as possible: setImmediate in Node, a MessageChannel message in
// browsers and workers (setTimeout(0) is clamped to 4 ms after a few nestings).
function macrotask() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Yields to the event loop when at least `everyMs` passed since this yielder last did. */
export function createYielder(everyMs = 10) {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < everyMs) return;
    await macrotask();
    last = performance.now();
  };
}
