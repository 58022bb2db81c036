// The graph pieces every encoder is made of, written once: nn.Linear, LayerNorm and the
// activations of HF's ACT2FN, each as the standard ONNX ops onnxruntime-web's WASM backend runs.
import { AttributeType, makeAttribute } from '../onnx-proto.js';

/** torch.finfo(float32).min: what HF's attention masks add or fill in. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** nn.Linear stores [out, in]; MatMul wants [in, out]. */
export function transpose2d(data, rows, cols) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/**
 * @param {import('../onnx-graph-builder.js').OnnxGraphBuilder} g
 * @param {ReturnType<import('./weight-lookup.js').weightLookup>} w
 * @param {{eps: number, hiddenAct: string}} arch
 */
export function graphLayers(g, w, arch) {
  const transposed = new Map(); // one [in, out] copy per nn.Linear, shared by every use

  /** nn.Linear `prefix` ([out, in] weight, optional bias) applied to x. */
  const linear = (x, prefix, inDim, outDim, bias = true) => {
    if (!transposed.has(prefix)) {
      const weight = w.get(`${prefix}.weight`, [outDim, inDim]);
      transposed.set(prefix, g.floats(`${prefix}.weight.T`, [inDim, outDim], transpose2d(weight.data, outDim, inDim)));
      if (bias) g.floats(`${prefix}.bias`, [outDim], w.get(`${prefix}.bias`, [outDim]).data);
    }
    const y = g.op('MatMul', [x, transposed.get(prefix)], {}, { name: prefix });
    return bias ? g.op('Add', [y, `${prefix}.bias`], {}, { name: prefix }) : y;
  };

  const layerNorm = (x, prefix, size) => {
    const scale = g.floats(`${prefix}.weight`, [size], w.get(`${prefix}.weight`, [size]).data);
    const bias = g.floats(`${prefix}.bias`, [size], w.get(`${prefix}.bias`, [size]).data);
    const epsilon = makeAttribute('epsilon', arch.eps, AttributeType.FLOAT); // FLOAT even if integral
    return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon }, { name: prefix });
  };

  /** `act` (default arch.hiddenAct), one of config-fields.js SUPPORTED_ACTIVATIONS. */
  const activation = (x, name, act = arch.hiddenAct) => {
    switch (act) {
      case 'gelu':
      case 'gelu_python': { // exact erf form: x * 0.5 * (1 + erf(x / sqrt(2)))
        const erf = g.op('Erf', [g.op('Div', [x, g.float32(Math.SQRT2)], {}, { name })], {}, { name });
        const half = g.op('Mul', [x, g.float32(0.5)], {}, { name });
        return g.op('Mul', [half, g.op('Add', [erf, g.float32(1)], {}, { name })], {}, { name });
      }
      case 'gelu_new':
      case 'gelu_pytorch_tanh': { // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        const cube = g.op('Mul', [g.op('Mul', [x, x]), x], {}, { name });
        const inner = g.op('Add', [x, g.op('Mul', [cube, g.float32(0.044715)])], {}, { name });
        const t = g.op('Tanh', [g.op('Mul', [inner, g.float32(Math.sqrt(2 / Math.PI))])], {}, { name });
        const half = g.op('Mul', [x, g.float32(0.5)], {}, { name });
        return g.op('Mul', [half, g.op('Add', [t, g.float32(1)])], {}, { name });
      }
      case 'relu': return g.op('Relu', [x], {}, { name });
      case 'tanh': return g.op('Tanh', [x], {}, { name });
      case 'silu':
      case 'swish': return g.op('Mul', [x, g.op('Sigmoid', [x], {}, { name })], {}, { name });
      default: throw new Error(`graphLayers: unchecked activation ${act}`); // config-fields.js refuses it first
    }
  };

  return { linear, layerNorm, activation };
}
