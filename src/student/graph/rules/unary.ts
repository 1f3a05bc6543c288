// Gradients of pointwise unary functions, written from the output where that is cheaper (exp, tanh, sqrt),
// so the forward value is reused rather than recomputed.

import { cast, div, exp, like, mul, neg, sub } from '../ops';
import { defineGrad } from './rule';

defineGrad('Exp', ({ outputs: [y], dy: [d] }) => [mul(d!, y!)]);

defineGrad('Log', ({ inputs: [x], dy: [d] }) => [div(d!, x!)]);

// y = sqrt(x): dx = d / (2y).
defineGrad('Sqrt', ({ outputs: [y], dy: [d] }) => [div(mul(d!, like(y!, 0.5)), y!)]);

// y = tanh(x): dx = d (1 - y²).
defineGrad('Tanh', ({ outputs: [y], dy: [d] }) => [mul(d!, sub(like(y!, 1), mul(y!, y!)))]);

// y = sigmoid(x): dx = d y (1 - y).
defineGrad('Sigmoid', ({ outputs: [y], dy: [d] }) => [mul(d!, mul(y!, sub(like(y!, 1), y!)))]);

// y = erf(x): dx = d · 2/√π · exp(-x²).
defineGrad('Erf', ({ inputs: [x], dy: [d] }) => [
  mul(d!, mul(like(x!, 2 / Math.sqrt(Math.PI)), exp(neg(mul(x!, x!))))),
]);

// y = 1/x: dx = -d y².
defineGrad('Reciprocal', ({ outputs: [y], dy: [d] }) => [neg(mul(d!, mul(y!, y!)))]);

defineGrad('Identity', ({ dy: [d] }) => [d]);

// A float→float cast passes the gradient back in the input's precision (mixed-precision graphs).
defineGrad('Cast', ({ inputs: [x], dy: [d] }) => [cast(d!, x!.dtype)]);
