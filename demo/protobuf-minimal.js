// ES-module face of protobufjs/minimal for the unbundled demo page (the npm package is
// CommonJS); js/src/convert/onnx-proto.generated.js imports it. Its browser bundle registers
// itself as globalThis.protobuf when evaluated.
import '/node_modules/protobufjs/dist/minimal/protobuf.min.js';

export default globalThis.protobuf;
