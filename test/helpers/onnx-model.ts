/**
 * A minimal protobuf encoder for ONNX models with one ConvTranspose node of any rank (1, 2
 * or 3 spatial axes: the shapes and list attributes decide), so the
 * tests can build models in JavaScript and run them in onnxruntime-node.
 *
 * Only the fields the tests and the benchmark need are written (field numbers from onnx.proto):
 * ModelProto{ir_version=1, opset_import=8, graph=7}, GraphProto{node=1, name=2,
 * initializer=5, input=11, output=12}, NodeProto{input=1, output=2, op_type=4, attribute=5},
 * AttributeProto{name=1, i=3, s=4, ints=8, type=20}, ValueInfoProto{name=1, type=2},
 * TypeProto{tensor_type=1}, TypeProto.Tensor{elem_type=1, shape=2},
 * TensorShapeProto{dim=1}, Dimension{dim_value=1}.
 */

/** Attributes of an ONNX ConvTranspose node, in ONNX's own names. */
export interface OnnxConvTransposeAttributes {
  auto_pad?: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  dilations?: number[];
  group?: number;
  kernel_shape?: number[];
  output_padding?: number[];
  output_shape?: number[];
  pads?: number[];
  strides?: number[];
}

class Writer {
  // Small fields go to `pending`; large byte fields (weights) are kept as chunks, not copied per byte.
  private chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private length = 0;

  private flush(): void {
    if (this.pending.length) this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`varint: ${value} is not a safe non-negative integer`);
    let v = value;
    while (v >= 0x80) {
      this.pending.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
      this.length++;
    }
    this.pending.push(v);
    this.length++;
    return this;
  }

  /** A field key: (field number << 3) | wire type. */
  key(field: number, wire: 0 | 2): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    this.flush();
    this.chunks.push(data);
    this.length += data.length;
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
    this.flush();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;
const FLOAT = 1;

function valueInfo(w: Writer, field: number, name: string, shape: readonly number[] | null): void {
  w.message(field, (vi) => {
    vi.string(1, name);
    vi.message(2, (tp) =>
      tp.message(1, (tt) => {
        tt.int(1, FLOAT);
        if (shape) tt.message(2, (sp) => shape.forEach((d) => sp.message(1, (dim) => dim.int(1, d))));
      }),
    );
  });
}

/** Extras of {@link convTransposeModel}. */
export interface ModelExtras {
  /** Store W as an initializer with these values (a resident-weights session) instead of a graph input. */
  weight?: Float32Array;
  /** Declare Y's shape (needed for pre-bound GPU outputs); by default it is left unknown. */
  yShape?: readonly number[];
}

/**
 * Encodes a model with one ConvTranspose node: graph input X, weight W (a graph input,
 * or an initializer when `extras.weight` is given), optional bias input B, and output
 * Y of unknown shape by default, so onnxruntime's kernel, not the model, decides it.
 */
export function convTransposeModel(
  xShape: readonly number[],
  wShape: readonly number[],
  attrs: OnnxConvTransposeAttributes,
  hasBias: boolean,
  opset = 17,
  extras: ModelExtras = {},
): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, 'webgpu-deconv-tests'); // producer_name
  w.message(8, (o) => o.string(1, '').int(2, opset));
  w.message(7, (g) => {
    g.message(1, (n) => {
      n.string(1, 'X').string(1, 'W');
      if (hasBias) n.string(1, 'B');
      n.string(2, 'Y');
      n.string(3, 'deconv');
      n.string(4, 'ConvTranspose');
      for (const [name, value] of Object.entries(attrs)) {
        if (value === undefined) continue;
        n.message(5, (a) => {
          a.string(1, name);
          if (typeof value === 'string') {
            a.bytesField(4, new TextEncoder().encode(value)).int(20, ATTR_STRING);
          } else if (typeof value === 'number') {
            a.int(3, value).int(20, ATTR_INT);
          } else {
            for (const v of value) a.int(8, v);
            a.int(20, ATTR_INTS);
          }
        });
      }
    });
    g.string(2, 'convtranspose');
    const weight = extras.weight;
    if (weight) {
      // TensorProto{dims=1, data_type=2, name=8, raw_data=9}.
      g.message(5, (t) => {
        for (const d of wShape) t.int(1, d);
        t.int(2, FLOAT);
        t.string(8, 'W');
        t.bytesField(9, new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength));
      });
    }
    valueInfo(g, 11, 'X', xShape);
    if (!weight) valueInfo(g, 11, 'W', wShape);
    if (hasBias) valueInfo(g, 11, 'B', [wShape[1]! * (attrs.group ?? 1)]);
    valueInfo(g, 12, 'Y', extras.yShape ?? null);
  });
  return w.finish();
}
