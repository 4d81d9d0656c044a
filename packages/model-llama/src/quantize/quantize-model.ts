/**
 * `quantizeModel`: writes a GGUF file whose tensors are converted to a llama.cpp file type (Q4_K_M,
 * Q8_0...), with llama-quantize's per-tensor choices, tensor order and metadata. Tensors are streamed a
 * chunk of rows at a time, so memory stays bounded whatever the model size.
 */
import {
  type GgmlType,
  type GgufFile,
  type GgufKV,
  type GgufSink,
  GgufValueType,
  type GgufWriteSpec,
  ggmlByteSize,
  ggmlTypeInfo,
  streamTensorBytes,
  writeGguf,
} from '@llamats/gguf-format';
import { quantFormat } from '@llamats/tensor-core';
import { inlineRowConverter, type RowConverter } from './convert-rows.js';
import { QuantizeError } from './errors.js';
import { type LlamaFileType, llamaFileType } from './file-types.js';
import { chooseTensorTypes, type TensorTypeChoice } from './tensor-types.js';

/** ggml's `GGML_QNT_VERSION`, written to `general.quantization_version`. */
export const GGML_QUANTIZATION_VERSION = 2;

/** Split-file keys llama-quantize drops (it writes one file). */
const SPLIT_KEYS = new Set(['split.no', 'split.count', 'split.tensors.count']);

export interface QuantizeProgress {
  /** The tensor being converted. */
  readonly tensor: string;
  /** 0-based index of that tensor in the output, and the tensor count. */
  readonly index: number;
  readonly count: number;
  readonly from: GgmlType;
  readonly to: GgmlType;
  /** Input tensor bytes done so far (over all tensors) and in total. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface QuantizeOptions {
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
  /**
   * Runs the row conversions (default: inline). A worker pool here uses every core; the CLI passes one.
   * Conversions for one tensor are requested in order, a chunk at a time.
   */
  converter?: RowConverter;
  /** Values per conversion chunk (default 4 Mi). Larger chunks split better across workers. */
  chunkValues?: number;
  /** Allow converting tensors that are already quantized (through f32, losing precision twice). Default false. */
  allowRequantize?: boolean;
}

export interface QuantizedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly from: GgmlType;
  readonly to: GgmlType;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly fellBack: boolean;
}

export interface QuantizeSummary {
  readonly fileType: LlamaFileType;
  readonly tensors: readonly QuantizedTensor[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Size of the whole output file. */
  readonly fileBytes: number;
}

/** The output metadata: the input's, minus split keys, with the quantization version and file type appended. */
export function quantizedMetadata(gguf: GgufFile, fileType: LlamaFileType): GgufKV[] {
  const replaced = new Set([...SPLIT_KEYS, 'general.quantization_version', 'general.file_type']);
  return [
    ...gguf.kv.filter((e) => !replaced.has(e.key)),
    { key: 'general.quantization_version', type: GgufValueType.UINT32, value: GGML_QUANTIZATION_VERSION },
    { key: 'general.file_type', type: GgufValueType.UINT32, value: fileType.id },
  ];
}

function checkConvertible(c: TensorTypeChoice, allowRequantize: boolean): void {
  const { tensor, type } = c;
  if (tensor.type === type) return;
  const fromInfo = tensor.typeInfo;
  const name = (t: GgmlType) => ggmlTypeInfo(t).name;
  if (fromInfo.quantized && !allowRequantize) {
    throw new QuantizeError(
      `Tensor "${tensor.name}" is already ${fromInfo.name}; quantize from an F32/F16/BF16 file, ` +
        'or allow requantizing (--allow-requantize) and accept the extra loss',
      tensor.name,
    );
  }
  if (!quantFormat(tensor.type)) {
    throw new QuantizeError(`Tensor "${tensor.name}" is ${name(tensor.type)}, which llamats cannot read`, tensor.name);
  }
  if (!quantFormat(type)?.quantize) {
    throw new QuantizeError(`llamats has no quantizer for ${name(type)} (needed for "${tensor.name}")`, tensor.name);
  }
}

/**
 * Quantizes a parsed GGUF model to `type` (a {@link LlamaFileType} or its name, e.g. `'Q4_K_M'`) and writes
 * the result to `sink`. Output tensors are ordered, typed and padded as llama-quantize writes them.
 */
export async function quantizeModel(
  input: GgufFile,
  sink: GgufSink,
  type: LlamaFileType | string,
  options: QuantizeOptions = {},
): Promise<QuantizeSummary> {
  const fileType = typeof type === 'string' ? llamaFileType(type) : type;
  const converter = options.converter ?? inlineRowConverter;
  const chunkValues = Math.max(1, options.chunkValues ?? 1 << 22);
  const { signal } = options;
  const choices = chooseTensorTypes(input, fileType);
  for (const c of choices) checkConvertible(c, options.allowRequantize ?? false);

  const bytesTotal = choices.reduce((a, c) => a + c.tensor.byteLength, 0);
  let bytesDone = 0;
  const summary: QuantizedTensor[] = [];

  const tensorData = (c: TensorTypeChoice, index: number) =>
    async function* (): AsyncGenerator<Uint8Array> {
      const { tensor, type: to } = c;
      const report = () =>
        options.onProgress?.({
          tensor: tensor.name,
          index,
          count: choices.length,
          from: tensor.type,
          to,
          bytesDone,
          bytesTotal,
        });
      report();
      if (tensor.type === to) {
        for await (const chunk of streamTensorBytes(tensor, { signal })) {
          bytesDone += chunk.byteLength;
          report();
          yield chunk;
        }
        return;
      }
      const rowLength = tensor.shape[0];
      const totalRows = tensor.elements / rowLength;
      const rowBytes = ggmlByteSize(tensor.type, rowLength);
      const rowsPerChunk = Math.max(1, Math.floor(chunkValues / rowLength));
      for (let row = 0; row < totalRows; row += rowsPerChunk) {
        signal?.throwIfAborted();
        const rows = Math.min(rowsPerChunk, totalRows - row);
        const data = await tensor.source.read(tensor.offset + row * rowBytes, rows * rowBytes, signal);
        const out = await converter({ from: tensor.type, to, rowLength, rows, data }, signal);
        bytesDone += data.byteLength;
        report();
        yield out;
      }
    };

  const spec: GgufWriteSpec = {
    version: input.version,
    kv: quantizedMetadata(input, fileType),
    tensors: choices.map((c, i) => {
      const bytesOut = ggmlByteSize(c.type, c.tensor.elements);
      summary.push({
        name: c.tensor.name,
        shape: c.tensor.shape,
        from: c.tensor.type,
        to: c.type,
        bytesIn: c.tensor.byteLength,
        bytesOut,
        fellBack: c.fellBack,
      });
      return { name: c.tensor.name, shape: c.tensor.shape, type: c.type, data: tensorData(c, i) };
    }),
  };
  const layout = await writeGguf(spec, sink, { signal });
  return {
    fileType,
    tensors: summary,
    bytesIn: bytesTotal,
    bytesOut: summary.reduce((a, t) => a + t.bytesOut, 0),
    fileBytes: layout.totalSize,
  };
}
