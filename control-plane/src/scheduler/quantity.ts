// The integer views of a resource.Quantity the scheduler does arithmetic on,
// built on the one quantity parser in schemas/ so the two never disagree on
// what a quantity means.

import { quantityValue } from "../../../schemas/checks/quantity.ts";

type QuantityInput = string | number | undefined;

// quantityValue works in floats, so "0.1" * 1000 may land a hair above 100;
// rounding that up would ask for 101m. Anything within this relative distance
// of an integer is that integer.
const EPSILON = 1e-12;

function roundUp(scaled: number): number {
  const nearest = Math.round(scaled);
  if (Math.abs(scaled - nearest) <= EPSILON * Math.max(1, Math.abs(nearest))) return nearest;
  return Math.ceil(scaled);
}

/**
 * Quantity.MilliValue(): thousandths, rounded up as Kubernetes rounds ("1.5"
 * → 1500, "100m" → 100, "0.1m" → 1). Absent or unparsable quantities count as
 * 0: the API server has validated them, and a stray value must not wedge the
 * scheduler.
 */
export function milliValue(quantity: QuantityInput): number {
  if (quantity === undefined) return 0;
  const value = quantityValue(quantity);
  return value === undefined ? 0 : roundUp(value * 1000);
}

/** Quantity.Value(): a whole number, rounded up ("64Mi" → 67108864, "1e3" → 1000, "1n" → 1). */
export function value(quantity: QuantityInput): number {
  if (quantity === undefined) return 0;
  const parsed = quantityValue(quantity);
  return parsed === undefined ? 0 : roundUp(parsed);
}
