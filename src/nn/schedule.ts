// Learning-rate schedules: pure functions of the step, so a resumed run gets the same rates.

export type Schedule = (step: number) => number;

export const constant = (lr: number): Schedule => () => lr;

/** Linear warm-up to base over `warmup` steps, then cosine decay to `min` at `total`. */
export function warmupCosine(o: { base: number; total: number; warmup?: number; min?: number }): Schedule {
  const warmup = o.warmup ?? 0;
  const min = o.min ?? 0;
  return (step) => {
    if (step < warmup) return (o.base * (step + 1)) / warmup;
    if (step >= o.total) return min;
    const progress = (step - warmup) / Math.max(1, o.total - warmup);
    return min + 0.5 * (o.base - min) * (1 + Math.cos(Math.PI * progress));
  };
}

/** Multiplies the rate by gamma every `every` steps. */
export function stepDecay(o: { base: number; every: number; gamma: number }): Schedule {
  return (step) => o.base * o.gamma ** Math.floor(step / o.every);
}
