// protobufjs's light build, its version written once (the ONNX schema is built on it).
export { default } from "npm:protobufjs@7.6.6/light.js";
