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
