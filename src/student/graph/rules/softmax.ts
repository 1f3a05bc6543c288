// Gradients of Softmax and LogSoftmax along one axis, from the forward output:
// softmax: dx = y (d - Σ d·y);  log-softmax: dx = d - exp(y) Σ d.

import { exp, mul, reduceSum, sub } from '../ops';
import { intAttr } from '../registry';
import { defineGrad } from './rule';

defineGrad('Softmax', ({ node, outputs: [y], dy: [d] }) => {
  const axis = intAttr(node.attrs, 'axis', -1);
  return [mul(y!, sub(d!, reduceSum(mul(d!, y!), [axis], true)))];
});

defineGrad('LogSoftmax', ({ node, outputs: [y], dy: [d] }) => {
  const axis = intAttr(node.attrs, 'axis', -1);
  return [sub(d!, mul(exp(y!), reduceSum(d!, [axis], true)))];
});
