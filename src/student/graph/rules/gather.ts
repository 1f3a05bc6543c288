// Gradients of Gather (embedding lookup) and GatherElements (picking one logit per row): scatter-add the
// incoming gradient into zeros, so repeated indices (the same token twice in a batch) sum their gradients.

import { unsqueeze, zerosLike } from '../ops';
import { GraphError, intAttr } from '../registry';
import { defineGrad } from './rule';

defineGrad('Gather', ({ node, inputs: [data, idx], dy: [d] }) => {
  if (intAttr(node.attrs, 'axis', 0) !== 0) throw new GraphError('Gather gradient supports axis 0 only');
  const g = data!.graph;
  // ScatterND with indices [..., 1] addresses whole rows of data; updates are d itself ([..., C]).
  return [g.op('ScatterND', [zerosLike(data!), unsqueeze(idx!, [-1]), d!], { reduction: 'add' }), undefined];
});

defineGrad('GatherElements', ({ node, inputs: [data, idx], dy: [d] }) => [
  data!.graph.op('ScatterElements', [zerosLike(data!), idx!, d!], {
    axis: intAttr(node.attrs, 'axis', 0),
    reduction: 'add',
  }),
  undefined,
]);
