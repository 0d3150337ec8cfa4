// @ts-check
/** The inspector: one neuron's or one weight's equations with the engine's numbers substituted,
 * typeset in MathML, so that every value can be checked by hand. Nothing is computed here; the
 * server sends each term (app/engine/inspector.py). */
import { num } from '../format.js';

/** A number in prose, with a true minus sign as in the equations. */
const printed = (/** @type {number | null} */ x) => num(x ?? NaN).replace('-', '−');
import { t } from '../i18n.js';
import { equation, factor, joined, m, op, subsup, value } from '../mathml.js';
import { describeStage } from '../stages.js';

/** @typedef {import('./network.js').Edit} Edit */

/** @param {string} tag @param {string} [className] @param {string} [content] */
function html(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content;
  return el;
}

/** (w)(a) as a product of two printed numbers. */
function product(/** @type {number | null} */ a, /** @type {number | null} */ b,
  /** @type {string} */ nameA, /** @type {string} */ nameB) {
  return m('mrow', factor(a, nameA), op('·'), factor(b, nameB));
}

const sup = (/** @type {number} */ l) => String(l);
const supBelow = (/** @type {number} */ l) => String(l - 1);
const sumOver = (/** @type {string} */ index) => m('munder', op('∑'), index);

/**
 * @param {HTMLElement} root
 * @param {{ onClose: () => void, onEdit: (edit: Edit) => void, canEdit: () => boolean }} actions
 */
export function createInspector(root, actions) {
  const title = html('h3');
  const context = html('p', 'hint');
  const body = html('div', 'inspector-body');
  const close = html('button', 'mini close', '×');
  close.setAttribute('type', 'button');
  close.setAttribute('aria-label', t('inspect.close'));
  close.title = t('inspect.close');
  close.addEventListener('click', () => actions.onClose());
  const head = html('div', 'inspector-head');
  head.append(title, close);
  root.replaceChildren(head, context, body);
  /** @type {HTMLInputElement | null} */
  let editor = null;

  function hide() {
    root.hidden = true;
    body.replaceChildren();
    editor = null;
  }

  /**
   * @param {any} message an "inspection" message
   * @param {number | null} stage the step-by-step stage, null when not stepping
   * @param {number} depth L
   */
  function show(message, stage, depth) {
    const detail = message.detail;
    const shape = describeStage(stage, depth);
    const i = message.indices[message.example];
    context.textContent = message.sample === null
      ? t('inspect.onBatch', { i, m: message.indices.length })
      : t('inspect.onSample', { i });
    // Typing in the editor must survive the next frame's redraw.
    const typing = editor !== null && document.activeElement === editor ? editor : null;
    const sections = detail.kind === 'neuron'
      ? neuron(detail, message, shape, depth)
      : weight(detail, shape);
    body.replaceChildren(...sections, editRow(detail, typing));
    root.hidden = false;
    if (typing) typing.focus();
  }

  function neuron(detail, message, /** @type {import('../stages.js').Stage} */ shape, depth) {
    const { layer: l, index } = detail;
    const k = index + 1;
    const f = detail.forward;
    const b = detail.backward;
    const output = l === depth;
    title.textContent = t(output ? 'inspect.output' : 'inspect.neuron',
      { l, k, activation: t(`activation.${f.activation}`) });
    const sigma = t(`fn.${f.activation}`);
    const forward = section(t('inspect.forward'), shape.forward(l), [
      equation(subsup('z', k, sup(l)), op('='), sumOver('j'),
        subsup('w', `${k}j`, sup(l)), subsup('a', 'j', supBelow(l)), op('+'), subsup('b', k, sup(l))),
      equation(op('='), joined([...f.weights.map((w, j) => product(w, f.inputs[j], 'w', 'a-in')),
        factor(f.bias, 'bias')], '+'), op('='), value(f.z, 'z')),
      equation(subsup('a', k, sup(l)), op('='), sigma, op('('), subsup('z', k, sup(l)), op(')'),
        op('='), sigma, op('('), value(f.z), op(')'), op('='), value(f.a, 'a')),
    ]);
    const lines = output ? outputDelta(b, message, l, k, f) : hiddenDelta(b, l, k);
    const backward = section(t(output ? 'inspect.backwardOutput' : 'inspect.backwardHidden'),
      shape.backward(l), lines);
    const bias = section(t('inspect.bias'), shape.backward(l), [
      equation(m('mfrac', m('mrow', op('∂'), 'C'), m('mrow', op('∂'), subsup('b', k, sup(l)))),
        op('='), subsup('δ', k, sup(l)), op('='), value(b.delta)),
    ]);
    return [forward, backward, bias];
  }

  function outputDelta(b, message, l, k, f) {
    const delta = subsup('δ', k, sup(l));
    const lines = [];
    if (b.fused) {
      lines.push(equation(delta, op('='), subsup('a', k, sup(l)), op('−'), m('msub', 'y', k),
        op('='), factor(f.a, 'a'), op('−'), factor(b.target, 'y'), op('='), value(b.delta, 'delta')));
      lines.push(html('p', 'note', t(`inspect.fused.${f.activation === 'softmax' ? 'softmax' : 'sigmoid'}`)));
    } else if (b.sigma_prime === null) {
      lines.push(equation(delta, op('='), sumOver('i'), m('mfrac', m('mrow', op('∂'), 'C'), m('mrow', op('∂'), m('msub', 'a', 'i'))),
        m('mfrac', m('mrow', op('∂'), m('msub', 'a', 'i')), m('mrow', op('∂'), m('msub', 'z', k))), op('='), value(b.delta, 'delta')));
      lines.push(html('p', 'note', t('inspect.coupled')));
    } else {
      lines.push(equation(delta, op('='), m('mfrac', m('mrow', op('∂'), 'C'), m('mrow', op('∂'), subsup('a', k, sup(l)))),
        op('·'), m('msup', 'σ', op('′')), op('('), subsup('z', k, sup(l)), op(')'),
        op('='), product(b.dC_da, b.sigma_prime, 'dC-da', 'sigma-prime'), op('='), value(b.delta, 'delta')));
    }
    lines.push(html('p', 'note', t('inspect.lossIs', { loss: t(`loss.${message.loss_name}`),
      y: printed(b.target), g: printed(b.dC_da) })));
    return lines;
  }

  function hiddenDelta(b, l, k) {
    const terms = b.upstream_weights.map((w, j) => product(w, b.upstream_deltas[j], 'w-up', 'delta-up'));
    return [
      equation(subsup('δ', k, sup(l)), op('='), op('('), sumOver('j'),
        subsup('w', `j${k}`, sup(l + 1)), subsup('δ', 'j', sup(l + 1)), op(')'), op('·'),
        m('msup', 'σ', op('′')), op('('), subsup('z', k, sup(l)), op(')')),
      equation(op('='), op('('), joined(terms, '+'), op(')'), op('·'), factor(b.sigma_prime, 'sigma-prime')),
      equation(op('='), factor(b.upstream_sum, 'upstream-sum'), op('·'), factor(b.sigma_prime, ''),
        op('='), value(b.delta, 'delta')),
    ];
  }

  function weight(detail, /** @type {import('../stages.js').Stage} */ shape) {
    const { layer: l, index, source } = detail;
    const k = index + 1;
    const j = source + 1;
    title.textContent = t('inspect.weight', { j, lp: l - 1, k, l });
    // Factories: a DOM node can stand in one place only, and these appear several times.
    const w = () => subsup('w', `${k}${j}`, sup(l));
    const dCdw = () => m('mfrac', m('mrow', op('∂'), 'C'), m('mrow', op('∂'), w()));
    const gradient = [equation(dCdw(), op('='), subsup('a', j, supBelow(l)), op('·'), subsup('δ', k, sup(l)),
      op('='), product(detail.a_in, detail.delta, 'a-in', 'delta'), op('='), value(detail.gradient, 'gradient'))];
    if (detail.examples > 1) {
      gradient.push(html('p', 'note', t('inspect.batchGradient',
        { m: detail.examples, g: printed(detail.batch_gradient) })));
    }
    if (detail.penalty_gradient !== 0) {
      gradient.push(html('p', 'note', t('inspect.penalty', { g: printed(detail.penalty_gradient) })));
    }
    const updated = shape.phase === 'all' || shape.phase === 'update';
    return [
      section(t('inspect.weightGradient'), shape.backward(l), gradient),
      section(t('inspect.update'), updated, update(detail, w, dCdw)),
    ];
  }

  /** Plain gradient descent shows its arithmetic; the others their step Δw, which depends on
   * their running averages as well as on this gradient. */
  function update(detail, /** @type {() => Element} */ w, /** @type {() => Element} */ dCdw) {
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

  /** A titled block, or a note that the stage has not computed it yet. */
  function section(/** @type {string} */ heading, /** @type {boolean} */ ready, /** @type {Element[]} */ lines) {
    const block = html('section', 'inspect-section');
    block.append(html('h4', undefined, heading));
    if (ready) block.append(...lines);
    else block.append(html('p', 'note', t('walk.pending')));
    return block;
  }

  /** The weight or bias typed in by hand; refused by the server while training runs. */
  function editRow(detail, /** @type {HTMLInputElement | null} */ typing) {
    const row = html('form', 'edit-row');
    const label = html('label', undefined, `${t('inspect.edit')}: ${detail.kind === 'neuron' ? 'b' : 'w'} =`);
    const input = typing ?? /** @type {HTMLInputElement} */ (html('input'));
    input.type = 'number';
    input.step = 'any';
    input.id = 'inspector-value';
    if (!typing) input.value = String(detail.kind === 'neuron' ? detail.forward.bias : detail.weight);
    label.setAttribute('for', input.id);
    const apply = html('button', 'secondary', t('inspect.apply'));
    apply.setAttribute('type', 'submit');
    const allowed = actions.canEdit();
    input.disabled = !allowed;
    apply.toggleAttribute('disabled', !allowed);
    row.append(label, input, apply, html('small', 'note', t('inspect.editHint')));
    row.addEventListener('submit', (event) => {
      event.preventDefault();
      const number = Number(input.value);
      if (input.value === '' || !Number.isFinite(number)) return;
      input.blur();
      actions.onEdit(detail.kind === 'neuron'
        ? { layer: detail.layer, param: 'b', index: detail.index, value: number }
        : { layer: detail.layer, param: 'W', index: detail.index, source: detail.source, value: number });
    });
    editor = input;
    return row;
  }

  return { show, hide };
}

