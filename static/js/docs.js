// @ts-check
/** Starts the API viewer of /docs (Swagger UI) or /redoc (ReDoc). It lives in a file rather than
 * an inline script so those pages keep the app's script-src 'self'. The vendored bundle, loaded
 * before this module, defines the viewer's global; the page's element names the schema's URL. */

/** @type {any} The globals the vendored bundles define (SwaggerUIBundle, Redoc). */
const vendored = window;

/** @param {HTMLElement} element */
function startSwaggerUI(element) {
  const { SwaggerUIBundle } = vendored;
  SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    domNode: element,
    // The settings of FastAPI's own /docs page.
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No validity badge: it is an image from the validator's host.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
}

/** @param {HTMLElement} element */
function startRedoc(element) {
  vendored.Redoc.init(element.dataset.openapiUrl, {}, element);
}

const swagger = document.getElementById('swagger-ui');
const redoc = document.getElementById('redoc');
if (swagger) startSwaggerUI(swagger);
if (redoc) startRedoc(redoc);
