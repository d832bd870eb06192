// Premultiplication. EXR stores colour premultiplied by alpha (OpenEXR's convention: a pixel is
// what it adds over a background); PNG and the model's working images hold straight colour.
// Colour conversions with a curve (linear -> sRGB) must see straight colour, so the order is
// unpremultiply -> convert -> premultiply. Where alpha is 0 the straight colour is 0.

/** rgb[c][i] /= a[i] (0 where a is 0). In place. */
export function unpremultiply(rgb: Float32Array[], a: Float32Array): void {
  for (const p of rgb) for (let i = 0; i < a.length; i++) p[i] = a[i]! > 0 ? p[i]! / a[i]! : 0;
}

/** rgb[c][i] *= a[i]. In place. */
export function premultiply(rgb: Float32Array[], a: Float32Array): void {
  for (const p of rgb) for (let i = 0; i < a.length; i++) p[i] = p[i]! * a[i]!;
}
