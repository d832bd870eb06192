// How many steps fit a time budget. The plan is measured on early steps, which run without the
// adversarial term when it starts later (advStart): its steps cost more (the discriminator's
// forward and backward), so a plan from the cheap steps alone overran budgets by the 1.25x cap
// (lynx keyframes, 120 s budget: 150 s). The adversarial share is priced by the FLOP ratio.

export interface BudgetPlan {
  budgetSeconds: number;
  /** Seconds spent and steps done so far. */
  seconds: number;
  step: number;
  /** Measured seconds per step, and whether the measured steps already had the adversarial term. */
  perStep: number;
  measuredWithAdv: boolean;
  /** Fraction of the run before the adversarial term (0 = from the first step; 1 or no GAN = never). */
  advStart: number;
  /** Cost of an adversarial step over a plain one (FLOP ratio, ≥ 1). */
  advCost: number;
}

/** Total steps N such that the rest of the run (steps ≥ advStart·N at advCost) ends at the budget; at least step + 1. */
export function plannedSteps(p: BudgetPlan): number {
  const plain = p.measuredWithAdv ? p.perStep / p.advCost : p.perStep;
  const adv = plain * p.advCost;
  const left = p.budgetSeconds - p.seconds;
  const f = Math.min(1, Math.max(0, p.advStart));
  // Adversarial from step a = floor(f·N). If a ≤ step, every remaining step is adversarial.
  let n = p.step + left / adv;
  if (Math.floor(f * n) > p.step) {
    // step < f·N: left = (f·N − step)·plain + (1 − f)·N·adv  →  N = (left + step·plain) / (f·plain + (1 − f)·adv)
    n = (left + p.step * plain) / (f * plain + (1 - f) * adv);
  }
  return Math.max(p.step + 1, Math.floor(n));
}

/**
 * A budgeted run's plan, kept up to date. The first steps run slower than the rest (lynx keyframes:
 * 108 ms a step over steps 30-100, 81-89 ms from 100 to 1600), and the FLOP ratio prices an
 * adversarial step above its measured cost (1.6 against 1.3), so a plan fixed at step 100 left a
 * 360 s budget at 255 s. The plan is therefore made at steps 10, 30 and the first checkpoint, as
 * before, then re-made at every later checkpoint from the steps since the first checkpoint, and once
 * adversarial steps have run, from those alone. A resumed run plans the same way from where it
 * resumed (`from`): it may run on a busier or a faster machine than the one its checkpoint's plan
 * was measured on (that plan then ran up to the 1.25x cap, or left the budget unused).
 */
export class BudgetPlanner {
  #at10 = 0;
  #at30 = 0;
  #atWarm = 0;
  #atAdvWarm = 0;
  readonly #warm: number;
  readonly #from: { step: number; seconds: number };
  constructor(private readonly o: { budgetSeconds: number; checkpointEvery: number; advStart: number; advCost: number; adversarial: boolean; from?: { step: number; seconds: number } }) {
    this.#from = o.from ?? { step: 0, seconds: 0 };
    this.#warm = this.#from.step + Math.max(30, o.checkpointEvery);
  }

  /**
   * After a step: `step` steps done in `seconds` (both counted from the run's start), the
   * adversarial term on from step `advFrom` (undefined: not yet, or never). Returns the new total
   * step count, or null when the plan stands.
   */
  observe(step: number, seconds: number, total: number, advFrom: number | undefined): number | null {
    const o = this.o;
    const k = step - this.#from.step;
    if (k === 10) this.#at10 = seconds;
    if (k === 30) this.#at30 = seconds;
    if (step === this.#warm) this.#atWarm = seconds;
    // Adversarial steps are timed from 10 after the first (its optimizer state is made) and not before the warm-up.
    if (advFrom !== undefined && step === Math.max(advFrom + 10, this.#warm)) this.#atAdvWarm = seconds;
    let perStep = 0;
    // The first steps measured were adversarial: on from (near) the run's first step, or before it resumed.
    let withAdv = o.adversarial && (advFrom !== undefined ? advFrom <= this.#from.step + 10 : Math.floor(o.advStart * total) <= 10);
    if (k === 10 && o.budgetSeconds - this.#from.seconds <= (seconds - this.#from.seconds) * 3) perStep = (seconds - this.#from.seconds) / k;
    else if (k === 30) perStep = (this.#at30 - this.#at10) / 20;
    else if (step === this.#warm && k > 30) perStep = (seconds - this.#at30) / (k - 30);
    else if (step > this.#warm && step % o.checkpointEvery === 0) {
      if (advFrom === undefined) {
        perStep = (seconds - this.#atWarm) / (step - this.#warm);
        withAdv = false;
      } else if (step >= Math.max(advFrom + 10, this.#warm) + 20) {
        // Adversarial from here on: every remaining step at the measured adversarial cost.
        const perAdv = (seconds - this.#atAdvWarm) / (step - Math.max(advFrom + 10, this.#warm));
        return Math.max(step + 1, Math.floor(step + (o.budgetSeconds - seconds) / perAdv));
      }
    }
    if (!(perStep > 0)) return null;
    return plannedSteps({
      budgetSeconds: o.budgetSeconds, seconds, step, perStep, measuredWithAdv: withAdv,
      advStart: o.adversarial ? o.advStart : 1, advCost: o.advCost,
    });
  }
}
