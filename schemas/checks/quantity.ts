// Quantity arithmetic just precise enough to compare requests with limits.

const SUFFIXES: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The value of a quantity as a float, or undefined when it does not parse. */
export function quantityValue(quantity: string | number): number | undefined {
  if (typeof quantity === "number") return quantity;
  const match = QUANTITY.exec(quantity);
  if (!match) return undefined;
  const [, number = "", exponent, suffix = ""] = match;
  const base = Number(number);
  if (exponent !== undefined) return Number(`${number}${exponent}`);
  const multiplier = SUFFIXES[suffix];
  return multiplier === undefined ? undefined : base * multiplier;
}
