// Step plans for a time budget price the adversarial steps that come after the measured ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plannedSteps } from '../../src/models/look/budget-plan.js';

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
