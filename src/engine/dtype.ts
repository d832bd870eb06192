// The dtypes the engine exposes and the typed arrays that carry them across the boundary.
export const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'uint8', 'int32', 'int64', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export type TypedArrayFor<D extends DType> = D extends 'float32' | 'float16' | 'bfloat16'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'uint8' | 'bool'
      ? Uint8Array
      : D extends 'int32'
        ? Int32Array
        : BigInt64Array;

export type AnyTypedArray = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

export function dtypeOfArray(a: AnyTypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  throw new TypeError('Expected Float32Array, Float64Array, Uint8Array, Int32Array or BigInt64Array');
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float64': case 'int64': return 8;
    case 'float32': case 'int32': return 4;
    case 'float16': case 'bfloat16': return 2;
    case 'uint8': case 'bool': return 1;
  }
}

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
