// Which initializers of a graph can be weight-quantized, and which nodes use them.
//
// Two patterns qualify, both on 2-D float32 initializers:
//  - 'matmul': the weight is the second input of MatMul nodes (Linear layers). Exporters sometimes
//    reach it through Identity nodes (DeBERTa's shared attention key uses the query/key weights a
//    second time for the relative positions), so Identity chains are followed.
//  - 'gather': the table is the data input of Gather nodes on axis 0 (word embeddings).
// A weight qualifies only if *every* use is of one pattern: one other reader would need the float
// copy kept, and the model would grow instead of shrink.
import { int64ToNumber, DataType } from './onnx-proto.js';

/**
 * @param {object} graph  a GraphProto
 * @returns {Array<{tensor: object, kind: 'matmul'|'gather', nodes: object[], identities: object[]}>}
 */
export function findQuantizableWeights(graph) {
  const consumers = new Map();
  for (const node of graph.node) {
    node.input.forEach((name, index) => {
      if (!consumers.has(name)) consumers.set(name, []);
      consumers.get(name).push({ node, index });
    });
  }
  // A name that is a graph output, or is read inside a subgraph (If/Loop bodies see outer
  // values), has a reader we cannot rewrite.
  const pinned = new Set(graph.output.map((o) => o.name));
  for (const node of graph.node) collectSubgraphInputs(node, pinned);

  const found = [];
  for (const tensor of graph.initializer) {
    if (tensor.dataType !== DataType.FLOAT || (tensor.dims ?? []).length !== 2) continue;
    const uses = terminalUses(tensor.name, consumers, pinned);
    if (!uses || uses.nodes.length === 0) continue;
    const nodes = uses.nodes.map((u) => u.node);
    if (uses.nodes.every(({ node, index }) => node.opType === 'MatMul' && isDefaultDomain(node) && index === 1)) {
      found.push({ tensor, kind: 'matmul', nodes, identities: uses.identities });
    } else if (uses.nodes.every(({ node, index }) => node.opType === 'Gather' && isDefaultDomain(node) &&
      index === 0 && gatherAxis(node) === 0)) {
      found.push({ tensor, kind: 'gather', nodes, identities: uses.identities });
    }
  }
  return found;
}

/** The non-Identity readers of `name`, looking through Identity chains; null if a use is pinned. */
function terminalUses(name, consumers, pinned) {
  const nodes = [];
  const identities = [];
  const stack = [name];
  while (stack.length) {
    const value = stack.pop();
    if (pinned.has(value)) return null;
    for (const use of consumers.get(value) ?? []) {
      if (use.node.opType === 'Identity' && isDefaultDomain(use.node)) {
        identities.push(use.node);
        stack.push(use.node.output[0]);
      } else {
        nodes.push(use);
      }
    }
  }
  return { nodes, identities };
}

function collectSubgraphInputs(node, into) {
  for (const attr of node.attribute ?? []) {
    for (const g of [attr.g, ...(attr.graphs ?? [])]) {
      if (!g) continue;
      for (const inner of g.node) {
        for (const name of inner.input) into.add(name);
        collectSubgraphInputs(inner, into);
      }
    }
  }
}

const isDefaultDomain = (node) => !node.domain || node.domain === 'ai.onnx';

function gatherAxis(node) {
  const attr = (node.attribute ?? []).find((a) => a.name === 'axis');
  return attr ? int64ToNumber(attr.i) : 0;
}
