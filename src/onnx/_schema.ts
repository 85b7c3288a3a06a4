// The part of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) that the export
// writes and the graph check reads (attributes of every kind, subgraphs, model-local functions,
// sparse and external tensors), as a protobufjs descriptor: field names and numbers exactly as in
// onnx.proto. Fields left out are skipped when read. protobufjs 7
// comes with onnxruntime-web already, so the export adds no download of its own (the onnx-proto
// package it replaces brought protobufjs 6, 28 MB in a fresh cache).
import protobuf from "../npm/protobufjs.ts";

const packed = { packed: true };

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            g: { type: "GraphProto", id: 6 },
            floats: { rule: "repeated", type: "float", id: 7, options: packed },
            ints: { rule: "repeated", type: "int64", id: 8, options: packed },
            tensors: { rule: "repeated", type: "TensorProto", id: 10 },
            graphs: { rule: "repeated", type: "GraphProto", id: 11 },
            type: { type: "AttributeType", id: 20 },
          },
          nested: {
            AttributeType: {
              values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: "string", id: 1 },
            type: { type: "TypeProto", id: 2 },
            docString: { type: "string", id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: "repeated", type: "string", id: 1 },
            output: { rule: "repeated", type: "string", id: 2 },
            name: { type: "string", id: 3 },
            opType: { type: "string", id: 4 },
            attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
            domain: { type: "string", id: 7 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: "int64", id: 1 },
            producerName: { type: "string", id: 2 },
            producerVersion: { type: "string", id: 3 },
            docString: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            opsetImport: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
            metadataProps: { rule: "repeated", type: "StringStringEntryProto", id: 14 },
            functions: { rule: "repeated", type: "FunctionProto", id: 25 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: "string", id: 1 }, value: { type: "string", id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: "repeated", type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: "repeated", type: "TensorProto", id: 5 },
            input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
            output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
            sparseInitializer: { rule: "repeated", type: "SparseTensorProto", id: 15 },
          },
        },
        // read only to refuse them: their content is never looked at
        FunctionProto: { fields: { name: { type: "string", id: 1 } } },
        SparseTensorProto: { fields: { dims: { rule: "repeated", type: "int64", id: 3, options: packed } } },
        TensorProto: {
          fields: {
            dims: { rule: "repeated", type: "int64", id: 1, options: packed },
            dataType: { type: "int32", id: 2 },
            floatData: { rule: "repeated", type: "float", id: 4, options: packed },
            int32Data: { rule: "repeated", type: "int32", id: 5, options: packed },
            int64Data: { rule: "repeated", type: "int64", id: 7, options: packed },
            name: { type: "string", id: 8 },
            rawData: { type: "bytes", id: 9 },
            doubleData: { rule: "repeated", type: "double", id: 10, options: packed },
            externalData: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
            dataLocation: { type: "int32", id: 14 },
          },
          nested: { DataType: { values: { UNDEFINED: 0, FLOAT: 1, INT64: 7 } } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: "repeated", type: "Dimension", id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
              fields: { dimValue: { type: "int64", id: 1 }, dimParam: { type: "string", id: 2 } },
            },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: "Tensor", id: 1 } },
          nested: {
            Tensor: {
              fields: { elemType: { type: "int32", id: 1 }, shape: { type: "TensorShapeProto", id: 2 } },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: "string", id: 1 }, version: { type: "int64", id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** `onnx.ModelProto`, ready to encode a plain object. */
export const ModelProto: protobuf.Type = root.lookupType("onnx.ModelProto");
/** `onnx.AttributeProto.AttributeType`'s values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
} as const;
/** `onnx.TensorProto.DataType.FLOAT`. */
export const FLOAT = 1;
/** `onnx.TensorProto.DataType.INT64`. */
export const INT64 = 7;
