/**
 * Rewrites a dynamically quantized ONNX model (the Xenova `model_quantized.onnx` layout: DynamicQuantizeLinear on the
 * activations, MatMulInteger against uint8 weights) to int8 weights, losslessly: `w - zp` is the same number when 128
 * is taken from both, and taking 128 from a uint8 is flipping its top bit. ONNX Runtime multiplies uint8 activations
 * by int8 weights with the VNNI dot-product instructions; uint8 by uint8 has no such path on x86 (see README,
 * Measured). Weight bytes change in place; tensors whose values are kept as a list of numbers (how ONNX Runtime's
 * quantizer writes zero points) are written back as raw bytes, which re-encodes only the lengths around them.
 */

/** ONNX TensorProto.DataType values. */
const UINT8 = 2
const INT8 = 3

interface Field {
  number: number
  wireType: number
  /** Where the field's key starts. */
  keyStart: number
  /** Offset of the value: the varint for wire type 0, the payload (after the length) for wire type 2. */
  start: number
  end: number
}

export class OnnxFormatError extends Error {}

function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0
  let scale = 1
  for (let index = offset; index < bytes.length && index < offset + 10; index++) {
    const byte = bytes[index]
    value += (byte & 0x7f) * scale
    if ((byte & 0x80) === 0) return { value, next: index + 1 }
    scale *= 128
  }
  throw new OnnxFormatError(`malformed varint at byte ${offset}`)
}

/** The fields of one protobuf message in `bytes[start, end)`, without decoding their values. */
function fields(bytes: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = []
  let offset = start
  while (offset < end) {
    const keyStart = offset
    const key = readVarint(bytes, offset)
    const number = Math.floor(key.value / 8)
    const wireType = key.value & 7
    offset = key.next
    let valueStart = offset
    if (wireType === 0) {
      offset = readVarint(bytes, offset).next
    } else if (wireType === 2) {
      const length = readVarint(bytes, offset)
      valueStart = length.next
      offset = length.next + length.value
    } else if (wireType === 1) {
      offset += 8
    } else if (wireType === 5) {
      offset += 4
    } else {
      throw new OnnxFormatError(`unsupported protobuf wire type ${wireType} at byte ${keyStart}`)
    }
    if (offset > end) throw new OnnxFormatError(`field ${number} at byte ${keyStart} runs past its message`)
    out.push({ number, wireType, keyStart, start: valueStart, end: offset })
  }
  return out
}

function varintBytes(value: number): number[] {
  const out: number[] = []
  let rest = value
  while (rest >= 128) {
    out.push((rest % 128) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const lengthDelimited = (number: number, payload: Uint8Array): Uint8Array => concat([Uint8Array.from([...varintBytes(number * 8 + 2), ...varintBytes(payload.length)]), payload])

const decoder = new TextDecoder()
const text = (bytes: Uint8Array, field: Field): string => decoder.decode(bytes.subarray(field.start, field.end))

interface Initializer {
  /** The TensorProto, as a field of the graph. */
  field: Field
  dataType: number
  /** Where the data_type varint sits when it is one byte long (it always is for uint8), else null. */
  dataTypeAt: number | null
  raw: Field | null
  /** Values kept as int32_data (uint8 is widened to int32 there), packed or not; null when there are none. */
  int32Values: number[] | null
  external: boolean
}

function readInitializer(model: Uint8Array, field: Field): { name: string; initializer: Initializer } {
  // TensorProto: data_type = 2, int32_data = 5, name = 8, raw_data = 9, external_data = 13, data_location = 14.
  let name = ''
  const initializer: Initializer = { field, dataType: 0, dataTypeAt: null, raw: null, int32Values: null, external: false }
  for (const tensorField of fields(model, field.start, field.end)) {
    if (tensorField.number === 2 && tensorField.wireType === 0) {
      initializer.dataType = readVarint(model, tensorField.start).value
      initializer.dataTypeAt = tensorField.end - tensorField.start === 1 ? tensorField.start : null
    } else if (tensorField.number === 8 && tensorField.wireType === 2) {
      name = text(model, tensorField)
    } else if (tensorField.number === 9 && tensorField.wireType === 2) {
      initializer.raw = tensorField
    } else if (tensorField.number === 5) {
      initializer.int32Values ??= []
      if (tensorField.wireType === 0) {
        initializer.int32Values.push(readVarint(model, tensorField.start).value)
      } else {
        for (let offset = tensorField.start; offset < tensorField.end; ) {
          const value = readVarint(model, offset)
          initializer.int32Values.push(value.value)
          offset = value.next
        }
      }
    } else if (tensorField.number === 13 || tensorField.number === 14) {
      initializer.external = true
    }
  }
  return { name, initializer }
}

/** The same TensorProto with its int32_data written as int8 raw bytes (top bit flipped), every other field kept. */
function int8TensorFromInt32Values(model: Uint8Array, initializer: Initializer): Uint8Array {
  const parts: Uint8Array[] = []
  for (const field of fields(model, initializer.field.start, initializer.field.end)) {
    if (field.number !== 2 && field.number !== 5) parts.push(model.subarray(field.keyStart, field.end))
  }
  parts.push(Uint8Array.from([...varintBytes(2 * 8), ...varintBytes(INT8)]))
  parts.push(lengthDelimited(9, Uint8Array.from(initializer.int32Values!, (value) => (value ^ 0x80) & 0xff)))
  return concat(parts)
}

export interface SignedWeightsResult {
  /** The converted model: `model` itself changed in place, or a new buffer when a length changed. */
  bytes: Uint8Array
  /** MatMulInteger weights and zero points turned to int8. */
  converted: number
  /** Why nothing was converted, when `converted` is 0. */
  reason: string | null
}

/**
 * Converts `model` (an .onnx file's bytes; changed in place). Only initializers whose every use is the B input or B
 * zero point of a MatMulInteger are touched, each pair together: weights and zero point of different types would not
 * load. Subgraphs, or nothing to convert, leave the model as it was, with the reason.
 */
export function convertToSignedInt8Weights(model: Uint8Array): SignedWeightsResult {
  const unchanged = (reason: string): SignedWeightsResult => ({ bytes: model, converted: 0, reason })
  const graph = fields(model, 0, model.length).find((field) => field.number === 7 && field.wireType === 2)
  if (!graph) return unchanged('no graph in the model')
  const graphFields = fields(model, graph.start, graph.end)

  const initializers = new Map<string, Initializer>()
  /** Per name: whether every use seen is a MatMulInteger B or B zero point. */
  const onlyWeightUses = new Map<string, boolean>()
  const use = (name: string, asWeight: boolean): void => {
    if (name) onlyWeightUses.set(name, (onlyWeightUses.get(name) ?? true) && asWeight)
  }
  /** Each MatMulInteger's weights and weight zero point: converted together or not at all (their types must match). */
  const pairs: Array<[string, string]> = []
  for (const field of graphFields) {
    if (field.wireType !== 2) continue
    if (field.number === 1) {
      // NodeProto: input = 1, op_type = 4, attribute = 5.
      const inputs: string[] = []
      let opType = ''
      for (const nodeField of fields(model, field.start, field.end)) {
        if (nodeField.wireType !== 2) continue
        if (nodeField.number === 1) inputs.push(text(model, nodeField))
        else if (nodeField.number === 4) opType = text(model, nodeField)
        else if (nodeField.number === 5) {
          // AttributeProto g = 6, graphs = 11: what a subgraph uses is not seen here.
          if (fields(model, nodeField.start, nodeField.end).some((attribute) => attribute.number === 6 || attribute.number === 11)) {
            return unchanged('the model has subgraphs')
          }
        }
      }
      inputs.forEach((name, index) => use(name, opType === 'MatMulInteger' && (index === 1 || index === 3)))
      if (opType === 'MatMulInteger') pairs.push([inputs[1] ?? '', inputs[3] ?? ''])
    } else if (field.number === 5) {
      const { name, initializer } = readInitializer(model, field)
      initializers.set(name, initializer)
    } else if (field.number === 11 || field.number === 12 || field.number === 13) {
      // Graph inputs, outputs and value_info (ValueInfoProto, name = 1) state a type: a tensor named there stays.
      const nameField = fields(model, field.start, field.end).find((valueField) => valueField.number === 1 && valueField.wireType === 2)
      if (nameField) use(text(model, nameField), false)
    }
  }

  const convertible = (name: string): boolean => {
    const initializer = initializers.get(name)
    return (
      initializer !== undefined &&
      onlyWeightUses.get(name) === true &&
      initializer.dataType === UINT8 &&
      !initializer.external &&
      initializer.dataTypeAt !== null &&
      (initializer.raw !== null || initializer.int32Values !== null)
    )
  }
  // A pair with a part that cannot change keeps both; a zero point absent means 0, which is no longer 0 after the
  // flip, so such weights stay too. Repeat until stable: tensors can be shared between pairs.
  const chosen = new Set(pairs.flat().filter(convertible))
  for (let changed = true; changed; ) {
    changed = false
    for (const [weights, zeroPoint] of pairs) {
      if (chosen.has(weights) !== chosen.has(zeroPoint) || (chosen.has(weights) && !zeroPoint)) {
        chosen.delete(weights)
        chosen.delete(zeroPoint)
        changed = true
      }
    }
  }
  const targets = [...chosen].map((name) => initializers.get(name)!)
  if (targets.length === 0) return unchanged(pairs.length === 0 ? 'no uint8 MatMulInteger weights' : 'no MatMulInteger weights can be converted')

  const rewritten = new Map<Field, Uint8Array>()
  for (const target of targets) {
    if (target.raw) {
      model[target.dataTypeAt!] = INT8
      for (let index = target.raw.start; index < target.raw.end; index++) model[index] ^= 0x80
    } else {
      rewritten.set(target.field, int8TensorFromInt32Values(model, target))
    }
  }
  if (rewritten.size === 0) return { bytes: model, converted: targets.length, reason: null }
  // Some tensors changed length: rebuild the graph from its fields, then the model around the graph.
  const graphPayload = concat(graphFields.map((field) => {
    const replacement = rewritten.get(field)
    return replacement ? lengthDelimited(5, replacement) : model.subarray(field.keyStart, field.end)
  }))
  const bytes = concat([model.subarray(0, graph.keyStart), lengthDelimited(7, graphPayload), model.subarray(graph.end)])
  return { bytes, converted: targets.length, reason: null }
}
