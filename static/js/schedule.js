// @ts-check
/** Work done at most once per animation frame, however often it is asked for. */

/** A function that runs `work` on the next animation frame, once, however often it is called
 * before then. @param {() => void} work */
export function oncePerFrame(work) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      work();
    });
  };
}

/** A function that hands the newest of its arguments to `send` once per animation frame
 * (a dragged weight moves at pointer rate; the server needs only where it is now).
 * @template T @param {(value: T) => void} send */
export function latestPerFrame(send) {
  /** @type {{ value: T } | null} */
  let latest = null;
  return (/** @type {T} */ value) => {
    if (latest === null) {
      requestAnimationFrame(() => {
        if (latest) send(latest.value);
        latest = null;
      });
    }
    latest = { value };
  };
}
