// Step plans for a time budget price the adversarial steps that come after the measured ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plannedSteps, BudgetPlanner } from '../../src/models/look/budget-plan.js';

/** Seconds a run of n steps takes with adversarial steps from floor(f·n) on. */
const runTime = (n: number, plain: number, cost: number, f: number) => {
  const a = Math.floor(f * n);
  return a * plain + (n - a) * plain * cost;
};

test('a plan measured on plain steps ends within the budget once the adversarial steps cost more', () => {
  const plan = { budgetSeconds: 120, seconds: 3, step: 30, perStep: 0.1, measuredWithAdv: false, advStart: 0.6, advCost: 1.8 };
  const n = plannedSteps(plan);
  const t = runTime(n, 0.1, 1.8, 0.6);
  assert.ok(t <= 120 + 0.2 && t > 118, `${n} steps take ${t.toFixed(1)} s of a 120 s budget`);
  // The old plan (every step at the measured cost) ran over.
  const naive = Math.floor(30 + 117 / 0.1);
  assert.ok(runTime(naive, 0.1, 1.8, 0.6) > 150);
});

test('adversarial from the start or already on: every remaining step at its cost; no GAN: the plain plan', () => {
  assert.equal(plannedSteps({ budgetSeconds: 60, seconds: 6, step: 30, perStep: 0.2, measuredWithAdv: true, advStart: 0, advCost: 2 }), 30 + 270);
  assert.equal(plannedSteps({ budgetSeconds: 60, seconds: 30, step: 300, perStep: 0.1, measuredWithAdv: false, advStart: 0.5, advCost: 2 }), 300 + 150);
  assert.equal(plannedSteps({ budgetSeconds: 60, seconds: 6, step: 30, perStep: 0.2, measuredWithAdv: false, advStart: 1, advCost: 2 }), 300);
  assert.equal(plannedSteps({ budgetSeconds: 10, seconds: 20, step: 30, perStep: 0.2, measuredWithAdv: false, advStart: 0.6, advCost: 2 }), 31, 'over budget already: one more step');
});

/**
 * A budgeted run as train.ts makes it: step costs from `cost(step, adversarial)`, the planner
 * consulted after every step, the adversarial term on from advStart·total and then kept on.
 */
function simulate(o: { budget: number; every: number; advStart: number; advCost: number; cost: (step: number, adv: boolean) => number; replan: boolean; stopAt?: number; resume?: { step: number; seconds: number; total: number; advFrom: number | undefined; plan: boolean } }) {
  const r = o.resume;
  const planner = !r || r.plan ? new BudgetPlanner({ budgetSeconds: o.budget, checkpointEvery: o.every, advStart: o.advStart, advCost: o.advCost, adversarial: true, ...(r ? { from: { step: r.step, seconds: r.seconds } } : {}) }) : null;
  let total = r?.total ?? 1000, seconds = r?.seconds ?? 0, step = r?.step ?? 0, advFrom = r?.advFrom, advSteps = 0;
  while (step < total && step !== o.stopAt) {
    const adv = step >= (advFrom ?? Math.floor(o.advStart * total));
    if (adv) advFrom ??= step;
    seconds += o.cost(step, adv);
    step += 1;
    if (adv) advSteps += 1;
    const planned = planner?.observe(step, seconds, total, advFrom) ?? null;
    if (planned !== null && (o.replan || step <= Math.max(30, o.every))) total = planned;
    if (seconds > 1.25 * o.budget && step < total) total = step;
  }
  return { steps: step, seconds, advFrom: advFrom!, advSteps, total };
}

// Lynx keyframes, measured: 108 ms a step up to step 100, 84 ms after, 108 ms with the adversarial term (FLOP ratio 1.6).
const lynxCost = (step: number, adv: boolean) => (adv ? 0.108 : step < 100 ? 0.108 : 0.084);

test('a plan kept up to date uses the budget that slow first steps and an over-priced adversarial term left unused', () => {
  const fixed = simulate({ budget: 360, every: 100, advStart: 0.6, advCost: 1.6, cost: lynxCost, replan: false });
  assert.ok(fixed.seconds < 0.8 * 360, `a plan fixed at step 100 ends at ${fixed.seconds.toFixed(0)} s`);
  const kept = simulate({ budget: 360, every: 100, advStart: 0.6, advCost: 1.6, cost: lynxCost, replan: true });
  assert.ok(kept.seconds > 0.95 * 360 && kept.seconds <= 1.01 * 360, `kept up to date: ${kept.seconds.toFixed(1)} s of 360`);
  assert.ok(kept.steps > 1.3 * fixed.steps, `${kept.steps} steps against ${fixed.steps}`);
  // The adversarial term, once on, stays on to the end (later plans move advStart·total past it).
  assert.equal(kept.advSteps, kept.steps - kept.advFrom);
  assert.ok(kept.advSteps > 0.3 * kept.steps, `${kept.advSteps} adversarial steps of ${kept.steps}`);
});

test('a machine that gets busier mid-run: the plan shrinks and the run ends near its budget', () => {
  const slower = (step: number, adv: boolean) => lynxCost(step, adv) * (step >= 800 ? 1.6 : 1);
  const r = simulate({ budget: 240, every: 100, advStart: 0.6, advCost: 1.6, cost: slower, replan: true });
  assert.ok(r.seconds <= 1.05 * 240 && r.seconds > 0.9 * 240, `${r.seconds.toFixed(1)} s of 240`);
  // A fine-tune (adversarial from the first step) is re-planned from its adversarial steps.
  const ft = simulate({ budget: 120, every: 100, advStart: 0, advCost: 1.6, cost: (s) => (s < 100 ? 0.15 : 0.1), replan: true });
  assert.ok(ft.seconds > 0.97 * 120 && ft.seconds <= 1.01 * 120, `fine-tune: ${ft.seconds.toFixed(1)} s of 120`);
  assert.equal(ft.advFrom, 0);
});

test('a run resumed on a busier or a faster machine plans again from where it resumed and ends near its budget', () => {
  // Stopped (Ctrl-C) at step 700 of a 360 s run on the lynx machine, then resumed elsewhere.
  const before = simulate({ budget: 360, every: 100, advStart: 0.6, advCost: 1.6, cost: lynxCost, replan: true, stopAt: 700 });
  assert.equal(before.steps, 700);
  const resume = (speed: number, plan: boolean) => simulate({ budget: 360, every: 100, advStart: 0.6, advCost: 1.6, replan: true,
    cost: (s, adv) => lynxCost(s, adv) * speed, resume: { step: before.steps, seconds: before.seconds, total: before.total, advFrom: before.advFrom, plan } });
  for (const speed of [2, 0.5]) {
    const kept = resume(speed, false); // the checkpoint's plan, as resumed runs had it
    const planned = resume(speed, true);
    assert.ok(planned.seconds > 0.95 * 360 && planned.seconds <= 1.02 * 360, `${speed}× the step time: ${planned.seconds.toFixed(1)} s of 360`);
    if (speed > 1) assert.ok(kept.seconds > 1.2 * 360, `the old plan ran to the cap: ${kept.seconds.toFixed(1)} s`);
    else assert.ok(kept.seconds < 0.8 * 360, `the old plan left the budget unused: ${kept.seconds.toFixed(1)} s`);
  }
});
