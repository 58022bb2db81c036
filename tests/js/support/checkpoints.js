// Checkpoints in the layouts real repositories use, built from a fixture's safetensors file:
// torch.save files and sharded checkpoints (shards + index, named as transformers names them).
import { craftZip, safetensorsFile, stateDictPickle, torchTensor } from './crafted-files.js';

const enc = new TextEncoder();

/** The tensors of a safetensors file as raw bytes: [{name, dtype, shape, bytes}] in header order. */
export function rawTensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const data = bytes.subarray(8 + headerLength);
  return Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, { dtype, shape, data_offsets: [a, b] }]) =>
    ({ name, dtype, shape, bytes: data.subarray(a, b) }));
}

const STORAGES = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage' };
const WIDTH = { F32: 4, F16: 2, BF16: 2 };

/** A torch.save zip of these tensors (one storage each), as torch writes a state dict. */
export function torchFile(tensors) {
  const pkl = stateDictPickle(tensors.map((t, k) => [t.name, torchTensor({
    key: String(k), numel: t.bytes.length / WIDTH[t.dtype], dims: t.shape, storage: STORAGES[t.dtype],
  })]));
  return craftZip([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: enc.encode('little') },
    ...tensors.map((t, k) => ({ name: `archive/data/${k}`, data: t.bytes })),
  ]).bytes;
}

/** Splits the tensors into `count` shards + index, named as transformers names them. */
export function shardFiles(tensors, count, format) {
  const ext = format === 'bin' ? 'bin' : 'safetensors';
  const stem = format === 'bin' ? 'pytorch_model' : 'model';
  const name = (k) => `${stem}-${String(k + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.${ext}`;
  const per = Math.ceil(tensors.length / count);
  const files = new Map();
  const weightMap = {};
  for (let k = 0; k < count; k++) {
    const part = tensors.slice(k * per, (k + 1) * per);
    files.set(name(k), format === 'bin' ? torchFile(part) : safetensorsFile(part));
    for (const t of part) weightMap[t.name] = name(k);
  }
  const index = { metadata: { total_size: tensors.reduce((n, t) => n + t.bytes.length, 0) }, weight_map: weightMap };
  files.set(format === 'bin' ? 'pytorch_model.bin.index.json' : 'model.safetensors.index.json', enc.encode(JSON.stringify(index)));
  return files;
}

