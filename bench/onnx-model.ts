/**
 * A minimal ONNX protobuf encoder: enough to write a one-node ConvTranspose model
 * in the page, so the benchmark needs no model file and no Python.
 *
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto).
 */

/** Attributes of ONNX ConvTranspose (opset 11+). */
export interface OnnxConvTransposeAttrs {
  kernelShape: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** ONNX order: [top, left, bottom, right]. */
  pads: [number, number, number, number];
  outputPadding: [number, number];
  group: number;
}

class Writer {
  private bytes: number[] = [];

  varint(value: number): this {
    // Values here are small non-negative integers (< 2^53); split into 7-bit groups.
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  int(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

function intsAttr(w: Writer, name: string, values: readonly number[]): void {
  w.message(5, (a) => {
    a.string(1, name);
    a.int(20, ATTR_INTS);
    for (const v of values) a.int(8, v);
  });
}

function intAttr(w: Writer, name: string, value: number): void {
  w.message(5, (a) => {
    a.string(1, name);
    a.int(20, ATTR_INT);
    a.int(3, value);
  });
}

function valueInfo(w: Writer, field: number, name: string, dims: readonly number[]): void {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (type) =>
      type.message(1, (tensor) => {
        tensor.int(1, FLOAT);
        tensor.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
        });
      }),
    );
  });
}

/**
 * Encodes an ONNX model (IR 8, opset 17) with one ConvTranspose node:
 * input `x` (NCHW, `inputShape`), weight initializer `w` ([C_in, C_out/group, kH, kW]),
 * output `y` (`outputShape`).
 */
export function convTransposeModel(
  inputShape: readonly number[],
  weight: Float32Array,
  weightShape: readonly number[],
  outputShape: readonly number[],
  attrs: OnnxConvTransposeAttrs,
): Uint8Array {
  const raw = new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength);
  const model = new Writer();
  model.int(1, 8); // ir_version
  model.string(2, 'webgpu-deconv-bench'); // producer_name
  model.message(8, (op) => op.string(1, '').int(2, 17)); // opset_import
  model.message(7, (graph) => {
    graph.message(1, (node) => {
      node.string(1, 'x').string(1, 'w');
      node.string(2, 'y');
      node.string(3, 'deconv');
      node.string(4, 'ConvTranspose');
      intsAttr(node, 'kernel_shape', attrs.kernelShape);
      intsAttr(node, 'strides', attrs.strides);
      intsAttr(node, 'dilations', attrs.dilations);
      intsAttr(node, 'pads', attrs.pads);
      intsAttr(node, 'output_padding', attrs.outputPadding);
      intAttr(node, 'group', attrs.group);
    });
    graph.string(2, 'bench');
    graph.message(5, (t) => {
      for (const d of weightShape) t.int(1, d);
      t.int(2, FLOAT);
      t.string(8, 'w');
      t.bytesField(9, raw);
    });
    valueInfo(graph, 11, 'x', inputShape);
    valueInfo(graph, 12, 'y', outputShape);
  });
  return model.finish();
}
