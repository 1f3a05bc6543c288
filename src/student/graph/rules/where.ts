// Gradient of Where: each branch receives the gradient where it was selected and zero elsewhere (a Where,
// not a multiply by the mask, so an inf in the unselected branch can never turn into NaN).

import { like, where } from '../ops';
import { sumToShape } from './broadcast';
import { defineGrad } from './rule';

defineGrad('Where', ({ inputs: [c, x, y], dy: [d], needs }) => {
  const zero = like(d!, 0);
  return [
    undefined,
    needs[1] ? sumToShape(where(c!, d!, zero), x!.shape) : undefined,
    needs[2] ? sumToShape(where(c!, zero, d!), y!.shape) : undefined,
  ];
});
