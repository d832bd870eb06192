// A keyframe's departure from the model's colour, by model colour (synth/colour-map.ts): a colour
// the keyframe holds takes the painter's departure wherever it is; a colour it never had keeps the
// model's; a frame of another size reads the same map; with ID labels, one model colour on two
// objects takes each object's own departure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitColourMap, mapDeparture } from '../../src/synth/colour-map.js';

/** Planar RGB of n pixels from a per-pixel colour. */
const image = (n: number, f: (i: number) => [number, number, number]): Float32Array => {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) f(i).forEach((v, c) => { out[c * n + i] = v; });
  return out;
};
const at = (img: Float32Array, n: number, i: number) => [img[i]!, img[n + i]!, img[2 * n + i]!];
const near = (a: number[], b: number[], tol: number, what: string) => a.forEach((v, c) => assert.ok(Math.abs(v - b[c]!) < tol, `${what}: channel ${c} is ${v.toFixed(3)}, not ${b[c]!.toFixed(3)}`));

test('a colour the keyframe holds takes its departure; a colour it never had keeps the model\'s', () => {
  // The model reads olive grass and a blue sky; the painter made the grass green and left the sky.
  const n = 64 * 64;
  const olive = [0.45, 0.45, 0.2], green = [0.3, 0.6, 0.3], sky = [0.5, 0.7, 0.9];
  const look = image(n, (i) => (i < n / 2 ? sky : olive) as [number, number, number]);
  const painted = image(n, (i) => (i < n / 2 ? sky : green) as [number, number, number]);
  const map = fitColourMap(look, painted, n);
  // Another frame, another size: grass, sky and a red coat the keyframe did not have.
  const m = 10, red = [0.85, 0.1, 0.1];
  const frame = image(m, (i) => (i < 3 ? olive : i < 6 ? sky : red) as [number, number, number]);
  const d = mapDeparture(map, frame, m);
  near(at(d, m, 0), green.map((v, c) => v - olive[c]!), 0.02, 'grass');
  near(at(d, m, 4), [0, 0, 0], 0.02, 'sky');
  near(at(d, m, 8), [0, 0, 0], 0.02, 'the coat (no such colour in the keyframe)');
  // A slightly other shade of the grass is still grass.
  const shade = image(1, () => [0.47, 0.43, 0.21]);
  near(at(mapDeparture(map, shade, 1), 1, 0), green.map((v, c) => v - olive[c]!), 0.05, 'a shade of the grass');
});

test('colour maps refuse images of the wrong size and shrug off non-finite pixels', () => {
  assert.throws(() => fitColourMap(new Float32Array(9), new Float32Array(6), 3), /planar RGB images of 3 pixels/);
  assert.throws(() => mapDeparture({ offset: new Float32Array(0) }, new Float32Array(5), 2), /planar RGB image of 2 pixels/);
  const look = image(4, () => [0.5, 0.5, 0.5]), painted = image(4, (i) => (i === 0 ? [NaN, 0, 0] : [0.6, 0.5, 0.5]));
  const d = mapDeparture(fitColourMap(look, painted, 4), look, 4);
  assert.ok(d.every(Number.isFinite));
  near(at(d, 4, 1), [0.1, 0, 0], 0.02, 'the finite pixels');
});

test('with ID labels, one model colour painted two ways takes each object\'s departure; an object without it takes the whole map\'s', () => {
  // The model reads the girl's hair the olive of the grass; the painter made the hair brown, the grass green.
  const n = 64 * 64;
  const olive = [0.45, 0.45, 0.2], green = [0.3, 0.6, 0.3], brown = [0.4, 0.25, 0.1], sky = [0.5, 0.7, 0.9];
  const HAIR = 3, GRASS = 1, SKY = 0;
  const label = (i: number) => (i < n / 4 ? HAIR : i < (3 * n) / 4 ? GRASS : SKY);
  const look = image(n, (i) => (label(i) === SKY ? sky : olive) as [number, number, number]);
  const painted = image(n, (i) => (label(i) === HAIR ? brown : label(i) === GRASS ? green : sky) as [number, number, number]);
  const labels = Int32Array.from({ length: n }, (_, i) => label(i));
  const map = fitColourMap(look, painted, n, labels);
  const frame = image(4, () => olive as [number, number, number]);
  const d = mapDeparture(map, frame, 4, Int32Array.from([HAIR, GRASS, 7, -1]));
  near(at(d, 4, 0), brown.map((v, c) => v - olive[c]!), 0.02, 'hair');
  near(at(d, 4, 1), green.map((v, c) => v - olive[c]!), 0.02, 'grass');
  // An object the keyframe did not show, and no label: the whole map's (two thirds grass, a third hair).
  const whole = [0, 1, 2].map((c) => (2 * (green[c]! - olive[c]!) + (brown[c]! - olive[c]!)) / 3);
  near(at(d, 4, 2), whole, 0.02, 'an unseen object');
  near(at(d, 4, 3), whole, 0.02, 'no label');
  // Without labels the map is the whole one.
  near(at(mapDeparture(map, frame, 4), 4, 0), whole, 0.02, 'labels not given');
  // The sky object at a colour it never had (olive) takes the whole map's departure there.
  near(at(mapDeparture(map, frame, 4, Int32Array.from([SKY, SKY, SKY, SKY])), 4, 0), whole, 0.02, 'sky at olive');
  assert.throws(() => fitColourMap(look, painted, n, new Int32Array(3)), /one per pixel/);
});
