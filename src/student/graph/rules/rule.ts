// The gradient-rule table that autodiff consults: one vector-Jacobian product per op type.

import type { Node, Value } from '../ir';
import { zerosLike } from '../ops';
import { GraphError } from '../registry';

export interface GradContext {
  readonly node: Node;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  /** d(loss)/d(output i); undefined where no gradient reaches that output. */
  readonly dy: readonly (Value | undefined)[];
  /** Whether input i needs a gradient (rules may skip work for the others). */
  readonly needs: readonly boolean[];
}

/** Returns d(loss)/d(input i) for each input (undefined for inputs that need none). */
export type GradRule = (ctx: GradContext) => readonly (Value | undefined)[];

const rules = new Map<string, GradRule>();

export function defineGrad(op: string, rule: GradRule): void {
  if (rules.has(op)) throw new GraphError(`gradient rule for ${op} is defined twice`);
  rules.set(op, rule);
}

export function gradRule(op: string): GradRule | undefined {
  return rules.get(op);
}

/** dy for output i, or zeros when nothing flows into it (multi-output ops like Split need every slot). */
export function dyOrZeros(ctx: GradContext, i: number): Value {
  return ctx.dy[i] ?? zerosLike(ctx.outputs[i]!);
}
