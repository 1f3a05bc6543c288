// Gradients of broadcasting arithmetic: each input's gradient is the pointwise VJP summed back to the input's
// own shape (sumToShape), so a bias [C] added to [B,T,C] receives the sum over B and T.

import type { Value } from '../ir';
import { div, like, mul, neg, pow, sub } from '../ops';
import { GraphError } from '../registry';
import { sumToShape } from './broadcast';
import { defineGrad } from './rule';

const toInput = (d: Value, x: Value) => sumToShape(d, x.shape);

defineGrad('Add', ({ inputs: [a, b], dy: [d], needs }) => [
  needs[0] ? toInput(d!, a!) : undefined,
  needs[1] ? toInput(d!, b!) : undefined,
]);

defineGrad('Sub', ({ inputs: [a, b], dy: [d], needs }) => [
  needs[0] ? toInput(d!, a!) : undefined,
  needs[1] ? toInput(neg(d!), b!) : undefined,
]);

defineGrad('Mul', ({ inputs: [a, b], dy: [d], needs }) => [
  needs[0] ? toInput(mul(d!, b!), a!) : undefined,
  needs[1] ? toInput(mul(d!, a!), b!) : undefined,
]);

// y = a / b: dA = d / b, dB = -d * y / b (reuses y instead of squaring b).
defineGrad('Div', ({ inputs: [a, b], outputs: [y], dy: [d], needs }) => [
  needs[0] ? toInput(div(d!, b!), a!) : undefined,
  needs[1] ? toInput(neg(div(mul(d!, y!), b!)), b!) : undefined,
]);

defineGrad('Neg', ({ dy: [d] }) => [neg(d!)]);

// y = x^p for a constant p: dx = d * p * x^(p-1). A learned exponent is never needed, so it is refused.
defineGrad('Pow', ({ inputs: [x, p], dy: [d], needs }) => {
  if (needs[1]) throw new GraphError('Pow: gradient with respect to the exponent is not supported');
  return [toInput(mul(d!, mul(p!, pow(x!, sub(p!, like(p!, 1))))), x!), undefined];
});
