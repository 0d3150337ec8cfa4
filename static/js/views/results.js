// @ts-check
/** The output panel's views of the network's answers, the ones that fit the problem: the
 * decision boundary, regions or surface over the plane (with its legend), the 1-D curve, the
 * digits' gallery, predicted against actual, and for classes the confusion matrix. */
import { num } from '../format.js';
import { t } from '../i18n.js';
import { createBoundaryView } from './boundary.js';
import { createConfusionView } from './confusion.js';
import { createCurveView } from './curve.js';
import { part } from './dom.js';
import { createGallery } from './gallery.js';
import { createParityView } from './parity.js';

/** @typedef {import('../protocol.js').Layout} Layout */
/** @typedef {import('../protocol.js').Frame} Frame */
/** @typedef {import('../store.js').State} State */

const PLANE_VIEWS = ['boundary', 'regions', 'surface'];
const CAPTIONS = /** @type {Record<string, string>} */ ({ boundary: 'out.boundary', regions: 'out.regions',
  surface: 'out.surface' });

/**
 * @param {HTMLElement} root
 * @param {{ pick: (sample: number) => void, setShowTest: (show: boolean) => void }} actions
 */
export function createResults(root, actions) {
  const canvas = (/** @type {string} */ id) => /** @type {HTMLCanvasElement} */ (part(root, id));
  const boundary = createBoundaryView(canvas('#boundary'), { onPick: actions.pick });
  const curve = createCurveView(canvas('#curve'));
  const gallery = createGallery(part(root, '#gallery'));
  const parity = createParityView(canvas('#parity'));
  const confusion = createConfusionView(part(root, '#confusion'));
  const showTest = /** @type {HTMLInputElement} */ (part(root, '#show-test'));
  showTest.addEventListener('change', () => actions.setShowTest(showTest.checked));
  /** @type {State | null} */
  let drawn = null;

  /** Which views show, and the legend of the plane. @param {Layout} layout */
  function arrange(layout) {
    const plane = PLANE_VIEWS.includes(layout.view);
    part(root, '#plane-view').hidden = !plane;
    part(root, '#plane-legend').hidden = !plane || layout.view === 'regions';
    part(root, '#show-test-control').hidden = !plane && layout.view !== 'curve';
    part(root, '#curve-view').hidden = layout.view !== 'curve';
    part(root, '#gallery').hidden = layout.view !== 'gallery';
    part(root, '#parity-view').hidden = layout.view !== 'parity';
    part(root, '#confusion').hidden = layout.task === 'regression';
    if (plane) part(root, '#boundary-caption').textContent = t(CAPTIONS[layout.view]);
    const [low, high] = layout.y_range;
    part(root, '#legend-low').textContent = layout.view === 'surface' ? num(low, 3) : t('out.legendClass0');
    part(root, '#legend-high').textContent = layout.view === 'surface' ? num(high, 3) : t('out.legendClass1');
  }

  /** Set up the views that show for a new layout (and again at a new size). @param {Layout} layout */
  function reset(layout) {
    arrange(layout);
    if (PLANE_VIEWS.includes(layout.view)) boundary.reset(layout);
    if (layout.view === 'curve') {
      curve.reset({ train: { x: layout.train.x1, y: layout.train.x2 }, test: { x: layout.test.x1, y: layout.test.x2 },
        xRange: [-layout.extent, layout.extent], yRange: layout.y_range,
        xName: layout.feature_names[0], yName: layout.target_name });
    }
    if (layout.view === 'gallery') gallery.reset(layout.gallery, layout.class_names);
    if (layout.view === 'parity') {
      parity.reset({ targets: layout.parity_targets, yRange: layout.y_range, name: layout.target_name });
    }
    if (layout.task !== 'regression') confusion.reset(layout.class_names);
  }

  /** @param {Frame} frame @param {Layout} layout @param {boolean} test whether test points show */
  function draw(frame, layout, test) {
    const { results } = frame;
    if (PLANE_VIEWS.includes(layout.view)) boundary.update(frame, test);
    if (layout.view === 'curve' && results.curve) curve.update(results.curve, test);
    if (layout.view === 'gallery' && results.gallery) gallery.update(results.gallery);
    if (layout.view === 'parity' && results.parity) parity.update(results.parity);
    if (results.confusion) confusion.update(results.confusion);
  }

  /** @param {State} state */
  function update(state) {
    const previous = drawn;
    drawn = state;
    const { layout, frame } = state;
    if (!layout) return;
    if (layout !== previous?.layout) reset(layout);
    const redraw = frame !== previous?.frame || state.showTest !== previous?.showTest;
    if (frame && redraw) draw(frame, layout, state.showTest);
  }

  // Canvases follow the panel's size: set up again and drawn at once (also while paused).
  let resizing = false;
  const resized = new ResizeObserver(() => {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      if (!drawn?.layout) return;
      reset(drawn.layout);
      if (drawn.frame) draw(drawn.frame, drawn.layout, drawn.showTest);
    });
  });
  for (const id of ['#boundary', '#curve', '#parity']) resized.observe(canvas(id));

  return { update };
}
