// Graph pass for DeBERTa(-v2) exports made by torch.onnx.export of Hugging Face's modeling code.
//
// Its disentangled attention scores every query against all 2k relative-position embeddings of
// every head, after *copying* those embeddings once per sentence:
//   T = Tile(E, [batch, 1, 1])                      E: [heads, 2k, d] (constant), T: [batch*heads, 2k, d]
//   S = MatMul(X, Transpose(T, [0, 2, 1]))          X: [batch*heads, L, d], S: [batch*heads, L, 2k]
//   G = GatherElements(S, I, axis=-1)               I: [batch*heads, L, L], the relative position of each pair
// For short sentences (L much smaller than 2k = 512) the copy and the unused columns cost about
// as much as the rest of the encoder. This pass computes the same G without either:
//   W = [min(I), max(I) + 1)                        the columns any pair looks at (at most 2L)
//   S' = MatMul(Reshape(X, [-1, heads, L, d]), Slice(Transpose(E), W))   broadcast over the batch, no copy
//   G = GatherElements(Reshape(S', [batch*heads, L, |W|]), I - min(I), axis=-1)
// Every product is one the original computes, with the same operands, so results are equal up to
// float summation order. Shape(T), which the export also reads, becomes Shape(E) * repeats.
// A Tile that does not match this pattern exactly is left alone.
//
// With `windowedProjection`, E itself is computed per run for the window's rows only: E is
//   Expand(Reshape(Transpose(Reshape(Add(b, MatMul(R, W)), [1, 2k, heads, -1])), [-1, 2k, d]))
// of the relative embeddings R; slicing R's rows to the window gives the window's rows of E. ONNX
// Runtime then no longer folds the full projections when the session is created (24 matmuls of
// 512 x 768 x 768 for a base model: most of its constant folding), at the price of the window's
// projections on every run (about 2L of 512 rows).
import { DataType, makeNode, makeTensor, int64ToNumber, tensorToArray } from '../convert/onnx-proto.js';

/**
 * Rewrites `graph` in place.
 * @returns {number} how many Tile nodes were removed
 */
export function untileRelativeAttention(graph, { windowedProjection = false } = {}) {
  const index = indexGraph(graph);
  const plans = graph.node.filter((n) => n.opType === 'Tile').map((tile) => planFor(tile, index)).filter(Boolean);
  if (plans.length === 0) return 0;
  const fresh = freshNames(graph);
  const constants = [];
  const int64 = (values) => {
    const name = fresh('untile_const');
    constants.push(makeTensor(name, DataType.INT64, [values.length], values));
    return name;
  };
  const before = new Map(); // node -> nodes to insert before it
  const insert = (anchor, nodes) => before.set(anchor, [...(before.get(anchor) ?? []), ...nodes]);
  const removed = new Set();

  for (const { tile, shapes, uses } of plans) {
    const [E, repeats] = tile.input;
    const chain = windowedProjection && uses.length === 1 ? projectionChain(E, index) : null;
    // Shape(Tile(E, r)) = Shape(E) * r, with E's full shape even when only a window is computed.
    for (const shapeNode of shapes) {
      const shapeOfE = chain ? int64(chain.fullShape) : fresh('untile_shape');
      insert(shapeNode, [
        ...(chain ? [] : [makeNode('Shape', [E], [shapeOfE], {}, fresh('untile/Shape'))]),
        makeNode('Mul', [shapeOfE, repeats], [shapeNode.output[0]], {}, fresh('untile/Mul')),
      ]);
      removed.add(shapeNode);
    }
    for (const { transpose, matmul, gather } of uses) {
      const X = matmul.input[0];
      const I = gather.input[1];
      // The window from the index before it is broadcast (same values, fewer of them).
      const expand = index.producers.get(I);
      const indexValues = expand?.opType === 'Expand' ? expand.input[0] : I;
      const v = (label) => fresh(`untile_${label}`);
      const [shapeX, shapeE, headsDim, lastTwo, shape4, X4, ET, lo3, hi3, lo, hi, hiEnd, ETw, S4, leading, shape3, S, shifted] =
        ['shapeX', 'shapeE', 'heads', 'Ld', 'shape4', 'X4', 'ET', 'lo3', 'hi3', 'lo', 'hi', 'hiEnd', 'ETw', 'S4', 'BhL',
          'shape3', 'S', 'I'].map(v);
      const minusOne = int64([-1]);
      const one = int64([1]);
      const node = (op, inputs, outputs, attrs = {}) => makeNode(op, inputs, outputs, attrs, fresh(`untile/${op}`));
      insert(gather, [
        // [-1, heads, L, d] from Shape(E)[0] and Shape(X)[1:3]
        node('Shape', [X], [shapeX]),
        node('Slice', [shapeX, int64([1]), int64([3]), int64([0])], [lastTwo]),
        ...(chain ? [] : [
          node('Shape', [E], [shapeE]),
          node('Slice', [shapeE, int64([0]), int64([1]), int64([0])], [headsDim]),
        ]),
        node('Concat', [minusOne, chain ? int64([chain.heads]) : headsDim, lastTwo], [shape4], { axis: 0 }),
        // The window of columns the gather reads.
        node('ReduceMin', [indexValues], [lo3], { keepdims: 1 }),
        node('ReduceMax', [indexValues], [hi3], { keepdims: 1 }),
        node('Reshape', [lo3, one], [lo]),
        node('Reshape', [hi3, one], [hi]),
        node('Add', [hi, one], [hiEnd]),
        node('Transpose', [E], [ET], { perm: [0, 2, 1] }),
        // E holds the window's rows already, or all of them and the window is cut here.
        ...(chain ? [] : [node('Slice', [ET, lo, hiEnd, int64([2])], [ETw])]),
        node('Reshape', [X, shape4], [X4]),
        node('MatMul', [X4, chain ? ET : ETw], [S4]),
        // back to [batch*heads, L, |W|]
        node('Slice', [shapeX, int64([0]), int64([2]), int64([0])], [leading]),
        node('Concat', [leading, minusOne], [shape3], { axis: 0 }),
        node('Reshape', [S4, shape3], [S]),
        node('Sub', [I, lo], [shifted]),
      ]);
      gather.input = [S, shifted];
      removed.add(transpose).add(matmul);
      if (chain) {
        const rows = fresh('untile_window_rows');
        insert(gather, [node('Slice', [chain.matmul.input[0], lo, hiEnd, int64([-2])], [rows])]);
        chain.matmul.input[0] = rows;
        chain.reshape1.input[1] = int64([1, -1, chain.heads, chain.headSize]);
        chain.reshape2.input[1] = int64([chain.heads, -1, chain.headSize]);
      }
    }
    removed.add(tile);
  }

  const nodes = [];
  for (const n of graph.node) {
    nodes.push(...(before.get(n) ?? []));
    if (!removed.has(n)) nodes.push(n);
  }
  graph.initializer.push(...constants);
  // The window's inputs are computed after E's chain in the export's order: sort again.
  graph.node = plans.some((p) => windowedProjection && p.uses.length === 1) ? topologicalOrder(graph, nodes) : nodes;
  // The shape constants the windowed chain replaced are read by nothing now.
  const read = new Set(graph.node.flatMap((n) => n.input));
  for (const o of graph.output) read.add(o.name);
  graph.node = graph.node.filter((n) => n.opType !== 'Constant' || n.output.some((o) => read.has(o)));
  return plans.length;
}

// E = Expand(Reshape(Transpose(Reshape(Add(MatMul(R, W), b), [1, P, heads, -1]), [0, 2, 1, 3]),
// [-1, P, d]), ones), each value read once; null when E is made any other way.
function projectionChain(E, { producers, consumers }) {
  const single = (value, op) => {
    const n = producers.get(value);
    return n && n.opType === op && (consumers.get(value) ?? []).length === 1 ? n : null;
  };
  const expand = producers.get(E)?.opType === 'Expand' ? producers.get(E) : null;
  const reshape2 = expand && single(expand.input[0], 'Reshape');
  const transpose = reshape2 && single(reshape2.input[0], 'Transpose');
  const reshape1 = transpose && sameInts(ints(transpose, 'perm'), [0, 2, 1, 3]) && single(transpose.input[0], 'Reshape');
  const add = reshape1 && single(reshape1.input[0], 'Add');
  const matmul = add && [add.input[0], add.input[1]].map((v) => single(v, 'MatMul')).find(Boolean);
  if (!matmul) return null;
  const shape1 = constantInts(reshape1.input[1], producers);
  const shape2 = constantInts(reshape2.input[1], producers);
  if (!shape1 || !shape2 || shape1.length !== 4 || shape2.length !== 3) return null;
  const [one, positions, heads, rest] = shape1;
  const [lead, positions2, headSize] = shape2;
  if (one !== 1 || rest !== -1 || lead !== -1 || positions !== positions2 || !(heads > 0) || !(headSize > 0)) return null;
  return { matmul, reshape1, reshape2, heads, headSize, fullShape: [heads, positions, headSize] };
}

function constantInts(value, producers) {
  const node = producers.get(value);
  const tensor = node?.opType === 'Constant' ? node.attribute.find((a) => a.name === 'value')?.t : null;
  if (!tensor || tensor.dataType !== DataType.INT64) return null;
  return Array.from(tensorToArray(tensor), Number);
}

// Kahn's algorithm, keeping the given order wherever it is already valid.
function topologicalOrder(graph, nodes) {
  const ready = new Set(['', ...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name)]);
  const waiting = new Map(); // value -> nodes waiting for it
  const missing = new Map(); // node -> count of inputs not ready
  const order = [];
  const emit = (n) => {
    order.push(n);
    for (const out of n.output) {
      ready.add(out);
      for (const m of waiting.get(out) ?? []) if (missing.set(m, missing.get(m) - 1).get(m) === 0) emit(m);
      waiting.delete(out);
    }
  };
  for (const n of nodes) {
    const pending = [...new Set(n.input.filter((v) => !ready.has(v)))];
    if (pending.length === 0) {
      emit(n);
      continue;
    }
    missing.set(n, pending.length);
    for (const v of pending) waiting.set(v, [...(waiting.get(v) ?? []), n]);
  }
  if (order.length !== nodes.length) throw new Error('untile: the rewritten graph has a cycle');
  return order;
}

// A Tile whose every consumer is either Shape, or Transpose([0,2,1]) -> MatMul(X, .) ->
// GatherElements(., I, last axis) with nothing else reading the Transpose or the MatMul.
function planFor(tile, { consumers, graphOutputs }) {
  const [, repeats] = tile.input;
  const out = tile.output[0];
  if (graphOutputs.has(out) || !repeats) return null;
  const shapes = [];
  const uses = [];
  for (const c of consumers.get(out) ?? []) {
    if (c.opType === 'Shape' && c.input[0] === out && c.attribute.length === 0) {
      shapes.push(c);
      continue;
    }
    if (c.opType !== 'Transpose' || !sameInts(ints(c, 'perm'), [0, 2, 1])) return null;
    const matmul = only(consumers.get(c.output[0]));
    if (!matmul || matmul.opType !== 'MatMul' || matmul.input[1] !== c.output[0] || graphOutputs.has(c.output[0])) return null;
    const gather = only(consumers.get(matmul.output[0]));
    if (!gather || gather.opType !== 'GatherElements' || gather.input[0] !== matmul.output[0]) return null;
    const axis = int(gather, 'axis') ?? 0;
    if (axis !== -1 && axis !== 2) return null;
    if (graphOutputs.has(matmul.output[0])) return null;
    uses.push({ transpose: c, matmul, gather });
  }
  return uses.length ? { tile, shapes, uses } : null;
}

function indexGraph(graph) {
  const consumers = new Map();
  const producers = new Map();
  for (const n of graph.node) {
    for (const name of n.input) {
      if (!consumers.has(name)) consumers.set(name, []);
      consumers.get(name).push(n);
    }
    for (const name of n.output) producers.set(name, n);
  }
  return { consumers, producers, graphOutputs: new Set(graph.output.map((o) => o.name)) };
}

function freshNames(graph) {
  const used = new Set();
  for (const n of graph.node) for (const name of [...n.input, ...n.output, n.name]) used.add(name);
  for (const t of graph.initializer) used.add(t.name);
  let k = 0;
  return (prefix) => {
    let name;
    do name = `${prefix}_${k++}`; while (used.has(name));
    used.add(name);
    return name;
  };
}

function only(list) {
  return list && list.length === 1 ? list[0] : null;
}

function attribute(node, name) {
  return node.attribute.find((a) => a.name === name);
}

function int(node, name) {
  const a = attribute(node, name);
  return a ? int64ToNumber(a.i) : undefined;
}

function ints(node, name) {
  const a = attribute(node, name);
  return a ? a.ints.map(int64ToNumber) : undefined;
}

function sameInts(a, b) {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}
