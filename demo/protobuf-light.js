// ES-module face of protobufjs/light for the unbundled demo page (the npm package is
// CommonJS). Its browser bundle registers itself as globalThis.protobuf when evaluated.
import '/node_modules/protobufjs/dist/light/protobuf.min.js';

export default globalThis.protobuf;
