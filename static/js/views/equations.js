// @ts-check
/** One neuron's or one weight's equations with the engine's numbers substituted, in MathML.
 * Nothing is computed here; the server sends each term (app/engine/inspector.py). Sections the
 * step-by-step stage has not reached yet say so instead. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { equation, factor, joined, m, op, subsup, value } from '../mathml.js';
import { backwardDone, forwardDone } from '../shown.js';
import { html } from './dom.js';

/**
 * The engine's explanations (numbers are null where they diverged).
 * @typedef {number | null} N
 * @typedef {{ weights: N[], inputs: N[], products: N[], bias: N, z: N, a: N, activation: string,
 *   layer_z?: N[] | null }} Forward
 * @typedef {{ delta: N, sigma_prime: N, dC_da?: N, target?: N, fused?: boolean,
 *   upstream_weights?: N[] | null, upstream_deltas?: N[] | null, upstream_products?: N[] | null,
 *   upstream_sum?: N, coupled_sum?: N }} Backward
 * @typedef {{ kind: 'neuron', layer: number, index: number, forward: Forward, backward: Backward }} NeuronDetail
 * @typedef {{ kind: 'weight', layer: number, index: number, source: number, weight: N, a_in: N,
 *   delta: N, gradient: N, batch_gradient: N, penalty_gradient: N, examples: number,
 *   learning_rate: N, optimizer: string, weight_after: N, update: N }} WeightDetail
 * @typedef {import('../shown.js').Shown} Shown
 */

/** A number in prose, with a true minus sign as in the equations. @param {N | undefined} x */
const printed = (x) => num(x ?? NaN).replace('-', '−');
const sup = (/** @type {number | string} */ l) => String(l);
const supBelow = (/** @type {number} */ l) => String(l - 1);
const sumOver = (/** @type {string} */ index) => m('munder', op('∑'), index);
const partial = (/** @type {import('../mathml.js').Part} */ of) => m('mfrac', m('mrow', op('∂'), 'C'), m('mrow', op('∂'), of));

/** (w)(a) as a product of two printed numbers.
 * @param {N | undefined} a @param {N | undefined} b @param {string} nameA @param {string} nameB */
function product(a, b, nameA, nameB) {
  return m('mrow', factor(a ?? null, nameA), op('·'), factor(b ?? null, nameB));
}

/** A titled block, or a note that the stage has not computed it yet; `tag` names the
 * backprop equation it applies (BP1–BP4), as the learner's book does.
 * @param {string} heading @param {boolean} ready @param {Element[]} lines @param {number} [tag] */
function section(heading, ready, lines, tag) {
  const block = html('section', 'inspect-section');
  const title = html('h4', undefined, heading);
  if (tag) title.prepend(html('span', 'eq-tag', t(`eq.bp${tag}`)), ' ');
  block.append(title);
  if (ready) block.append(...lines);
  else block.append(html('p', 'note', t('walk.pending')));
  return block;
}

/** The title, and z = Σ w·a + b and a = σ(z) with every term, then δ, then ∂C/∂b.
 * @param {NeuronDetail} detail @param {string} lossName @param {Shown} stage @param {number} depth
 * @param {string[]} classes the class each output neuron stands for, if one per class
 * @returns {[string, Element[]]} */
export function neuronEquations(detail, lossName, stage, depth, classes) {
  const { layer: l, index } = detail;
  const k = index + 1;
  const f = detail.forward;
  const b = detail.backward;
  const output = l === depth;
  const named = output && classes.length > 0;
  const title = t(named ? 'inspect.outputClass' : output ? 'inspect.output' : 'inspect.neuron',
    { l, k, c: classes[index], activation: t(`activation.${f.activation}`) });
  const sigma = t(`fn.${f.activation}`);
  const forward = section(t('inspect.forward'), forwardDone(stage, l), [
    equation(subsup('z', k, sup(l)), op('='), sumOver('j'),
      subsup('w', `${k}j`, sup(l)), subsup('a', 'j', supBelow(l)), op('+'), subsup('b', k, sup(l))),
    equation(op('='), joined([...f.weights.map((w, j) => product(w, f.inputs[j], 'w', 'a-in')),
      factor(f.bias, 'bias')], '+'), op('='), value(f.z, 'z')),
    ...(f.layer_z ? softmaxLines(f, l, k) : [equation(subsup('a', k, sup(l)), op('='), sigma, op('('),
      subsup('z', k, sup(l)), op(')'), op('='), sigma, op('('), value(f.z), op(')'), op('='), value(f.a, 'a'))]),
  ]);
  const lines = output ? outputDelta(b, f, lossName, l, k) : hiddenDelta(b, l, k);
  const backward = section(t(output ? 'inspect.backwardOutput' : 'inspect.backwardHidden'), backwardDone(stage, l),
    lines, output ? 1 : 2);
  const bias = section(t('inspect.bias'), backwardDone(stage, l), [
    equation(partial(subsup('b', k, sup(l))), op('='), subsup('δ', k, sup(l)), op('='), value(b.delta)),
  ], 3);
  return [title, [forward, backward, bias]];
}

/** a_k = e^z_k / Σ_i e^z_i with every z of the layer: softmax is a function of them all.
 * @param {Forward} f @param {number} l @param {number} k */
function softmaxLines(f, l, k) {
  const zs = f.layer_z ?? [];
  const power = (/** @type {N} */ z, name = 'layer-z') => m('msup', 'e', value(z, name));
  return [
    equation(subsup('a', k, sup(l)), op('='), m('mfrac', m('msup', 'e', subsup('z', k, sup(l))),
      m('mrow', sumOver('i'), m('msup', 'e', subsup('z', 'i', sup(l)))))),
    equation(op('='), m('mfrac', power(f.z, 'z-own'), joined(zs.map((z) => power(z)), '+')), op('='), value(f.a, 'a')),
  ];
}

/** BP1 at the output: the general ∂C/∂a · σ′(z) with its numbers, then the short form a − y
 * where σ′ cancels (sigmoid with cross-entropy), or the Jacobian-free form for softmax.
 * @param {Backward} b @param {Forward} f @param {string} lossName @param {number} l @param {number} k */
function outputDelta(b, f, lossName, l, k) {
  const delta = subsup('δ', k, sup(l));
  const aMinusY = () => [op('='), subsup('a', k, sup(l)), op('−'), m('msub', 'y', k),
    op('='), factor(f.a, 'a'), op('−'), factor(b.target ?? null, 'y'), op('='), value(b.delta, 'delta')];
  const lines = [lossLine(lossName, l),
    html('p', 'note', t('inspect.lossIs', { loss: t(`loss.${lossName}`), y: printed(b.target) })),
    ...lossNotes(lossName).map((key) => html('p', 'note', t(key))), gradientLine(lossName, b, l, k)];
  if (f.layer_z && b.fused) {
    lines.push(equation(delta, op('='), sumOver('i'), partial(subsup('a', 'i', sup(l))),
      m('mfrac', m('mrow', op('∂'), subsup('a', 'i', sup(l))), m('mrow', op('∂'), subsup('z', k, sup(l))))),
    equation(...aMinusY()), html('p', 'note', t('inspect.fused.softmax')));
  } else if (f.layer_z) {
    lines.push(equation(delta, op('='), subsup('a', k, sup(l)), op('('), partial(subsup('a', k, sup(l))),
      op('−'), sumOver('i'), subsup('a', 'i', sup(l)), partial(subsup('a', 'i', sup(l))), op(')'),
      op('='), factor(f.a, 'a'), op('·'), op('('), factor(b.dC_da ?? null, 'dC-da'), op('−'),
      factor(b.coupled_sum ?? null, 'coupled-sum'), op(')'), op('='), value(b.delta, 'delta')),
    html('p', 'note', t('inspect.coupled')));
  } else {
    const general = [delta, op('='), partial(subsup('a', k, sup(l))), op('·'), m('msup', 'σ', op('′')),
      op('('), subsup('z', k, sup(l)), op(')'), op('='), product(b.dC_da, b.sigma_prime, 'dC-da', 'sigma-prime')];
    if (b.fused) {
      lines.push(equation(...general), equation(...aMinusY()), html('p', 'note', t('inspect.fused.sigmoid')));
    } else {
      lines.push(equation(...general, op('='), value(b.delta, 'delta')));
    }
  }
  return lines;
}

/** The cost C written out for the chosen loss: its ½, its sum over outputs, its mean over
 * the batch. Exported for the explanation panel. @param {string} lossName @param {number | string} l */
export function lossLine(lossName, l) {
  const a = subsup('a', 'k', sup(l));
  const y = () => m('msub', 'y', 'k');
  const entropy = lossName.endsWith('cross_entropy');
  const mean = [op('='), ...(entropy ? [op('−')] : []), m('mfrac', value(1), 'm'), m('munder', op('∑'), 'x')];
  const ln = () => m('mrow', 'ln', op('\u2061'));
  const sumK = () => m('munder', op('∑'), 'k');
  /** @type {Record<string, import('../mathml.js').Part[]>} */
  const terms = {
    mse: [m('mfrac', value(1), value(2)), sumK(), m('msup', m('mrow', op('('), a, op('−'), y(), op(')')), value(2))],
    mae: [sumK(), op('|'), a, op('−'), y(), op('|')],
    huber: [sumK(), 'H', op('('), a, op('−'), y(), op(')')],
    binary_cross_entropy: [sumK(), op('['), y(), ln(), subsup('a', 'k', sup(l)), op('+'),
      op('('), value(1), op('−'), y(), op(')'), ln(), op('('), value(1), op('−'), subsup('a', 'k', sup(l)), op(')'), op(']')],
    categorical_cross_entropy: [sumK(), y(), ln(), a],
  };
  const line = equation('C', ...mean, ...terms[lossName]);
  line.classList.add('loss-formula');
  return line;
}

/** What a loss's formula needs said in words. @param {string} lossName */
export function lossNotes(lossName) {
  if (lossName === 'mse') return ['loss.half'];
  if (lossName === 'huber') return ['loss.huberH'];
  return [];
}

/** ∂C/∂a_k of one example's cost, as a formula and as the number BP1 uses.
 * @param {string} lossName @param {Backward} b @param {number} l @param {number} k */
function gradientLine(lossName, b, l, k) {
  const a = () => subsup('a', k, sup(l));
  const y = () => m('msub', 'y', k);
  /** @type {Record<string, import('../mathml.js').Part[]>} */
  const forms = {
    mse: [a(), op('−'), y()],
    mae: ['sign', op('('), a(), op('−'), y(), op(')')],
    huber: ['clip', op('('), a(), op('−'), y(), op(','), op('−'), value(1), op(','), value(1), op(')')],
    binary_cross_entropy: [m('mfrac', m('mrow', a(), op('−'), y()), m('mrow', a(), op('('), value(1), op('−'), a(), op(')')))],
    categorical_cross_entropy: [op('−'), m('mfrac', y(), a())],
  };
  return equation(partial(a()), op('='), ...forms[lossName], op('='), value(b.dC_da ?? null, 'dC-da'));
}

/** δ of a hidden neuron: (Σ w·δ) · σ′(z), with every term. @param {Backward} b @param {number} l @param {number} k */
function hiddenDelta(b, l, k) {
  const deltas = b.upstream_deltas ?? [];
  const terms = (b.upstream_weights ?? []).map((w, j) => product(w, deltas[j], 'w-up', 'delta-up'));
  return [
    equation(subsup('δ', k, sup(l)), op('='), op('('), sumOver('j'),
      subsup('w', `j${k}`, sup(l + 1)), subsup('δ', 'j', sup(l + 1)), op(')'), op('·'),
      m('msup', 'σ', op('′')), op('('), subsup('z', k, sup(l)), op(')')),
    equation(op('='), op('('), joined(terms, '+'), op(')'), op('·'), factor(b.sigma_prime, 'sigma-prime')),
    equation(op('='), factor(b.upstream_sum ?? null, 'upstream-sum'), op('·'), factor(b.sigma_prime, ''),
      op('='), value(b.delta, 'delta')),
  ];
}

/** The title, ∂C/∂w = a_in · δ, and the update of w.
 * @param {WeightDetail} detail @param {Shown} stage @returns {[string, Element[]]} */
export function weightEquations(detail, stage) {
  const { layer: l, index, source } = detail;
  const k = index + 1;
  const j = source + 1;
  // Factories: a DOM node can stand in one place only, and these appear several times.
  const w = () => subsup('w', `${k}${j}`, sup(l));
  const dCdw = () => partial(w());
  /** @type {HTMLElement[]} */
  const gradient = [equation(dCdw(), op('='), subsup('a', j, supBelow(l)), op('·'), subsup('δ', k, sup(l)),
    op('='), product(detail.a_in, detail.delta, 'a-in', 'delta'), op('='), value(detail.gradient, 'gradient'))];
  if (detail.examples > 1) {
    gradient.push(html('p', 'note', t('inspect.batchGradient', { m: detail.examples, g: printed(detail.batch_gradient) })));
  }
  if (detail.penalty_gradient !== 0) {
    gradient.push(html('p', 'note', t('inspect.penalty', { g: printed(detail.penalty_gradient) })));
  }
  const updated = stage.phase === 'all' || stage.phase === 'update';
  return [t('inspect.weight', { j, lp: l - 1, k, l }), [
    section(t('inspect.weightGradient'), backwardDone(stage, l), gradient, 4),
    section(t('inspect.update'), updated, update(detail, w, dCdw)),
  ]];
}

/** Plain gradient descent shows its arithmetic; the others their step Δw, which depends on
 * their running averages as well as on this gradient.
 * @param {WeightDetail} detail @param {() => Element} w @param {() => Element} dCdw */
function update(detail, w, dCdw) {
  if (detail.optimizer === 'sgd') {
    return [equation(w(), op('←'), w(), op('−'), 'η', dCdw(), op('='), factor(detail.weight, 'weight'),
      op('−'), product(detail.learning_rate, detail.batch_gradient, 'eta', 'batch-gradient'),
      op('='), value(detail.weight_after, 'weight-after'))];
  }
  return [
    equation(w(), op('←'), w(), op('+'), 'Δw', op('='), factor(detail.weight, 'weight'),
      op('+'), factor(detail.update, 'step'), op('='), value(detail.weight_after, 'weight-after')),
    html('p', 'note', t('inspect.optimizerUpdate', { optimizer: t(`optimizer.${detail.optimizer}`),
      d: printed(detail.update), eta: printed(detail.learning_rate) })),
  ];
}
