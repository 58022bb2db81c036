// The worker script tests/browser/worker.test.js passes as `workerUrl`: the package's worker,
// plus a report after each result it sends of whether the result's buffer left this worker
// (a transferred ArrayBuffer is detached: byteLength 0; a copied one would keep its bytes).
import '../../../js/src/worker/worker-entry.js';

const post = self.postMessage.bind(self);
self.postMessage = (message, transfer) => {
  const data = message?.type === 'done' ? message.value?.data : undefined;
  const bytes = data?.buffer.byteLength;
  post(message, transfer);
  if (data instanceof Float32Array) post({ type: 'probe', bytes, detached: data.buffer.byteLength === 0 });
};
