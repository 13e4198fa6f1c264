/**
 * The browser tracker served at GET /t.js: plain, dependency-free ES2017 that a
 * site adds with `<script src="https://<api>/t.js" data-write-key="wk_…" async></script>`.
 * Kept readable (it is served as is; gzip keeps it under 3 KB) and kept as a string so the
 * Lambda bundle carries it without a build step. No backticks or template
 * placeholders inside: this is a String.raw template.
 *
 * - anonymous id in a first-party cookie, set only once consent allows sending
 * - a page view on load, with context.page and context.campaign from the utm_* parameters
 * - a page view on each history navigation of a single-page app (pushState, replaceState,
 *   popstate), the same address twice in a row counted once
 * - identify on submit of forms marked `data-leadloop-identify` (optionally listing the fields)
 * - events batched, sent with navigator.sendBeacon as text/plain (no CORS preflight),
 *   fetch keepalive when the beacon is refused; the write key travels in the body
 * - Do-Not-Track sends nothing; `data-consent="required"` waits for window.leadloop.consent(true)
 * - privacy: URLs (page, referrer, search) keep only the query parameters of campaigns and ad
 *   clicks, plus those the site lists; a fragment is kept only when it is a route (#/…, #!…)
 *
 * Options come from the script tag's data-* attributes or, set before the tag, from
 * `window.leadloop = { writeKey, consent: 'required', queryParams: [...] | '*', history: false }`.
 */
export const trackerSource = String.raw`(function (w, d) {
  'use strict';
  var preset = w.leadloop || {};
  if (preset.v) return;
  var n = navigator;
  var script = d.currentScript || d.querySelector('script[data-write-key]');
  if (!script) return;
  // an option set before the tag wins over the tag's attribute
  function option(name, attribute) {
    return preset[name] !== undefined ? preset[name] : script.getAttribute('data-' + attribute);
  }
  var writeKey = option('writeKey', 'write-key');
  var extra = option('queryParams', 'query-params') || [];
  if (typeof extra === 'string') extra = extra.split(/[\s,]+/);
  var KEEP = ('utm_source utm_medium utm_campaign utm_term utm_content utm_id gclid gbraid wbraid dclid fbclid msclkid ' +
    'li_fat_id ttclid twclid yclid epik rdt_cid sccid').split(' ').concat(extra).map(function (p) { return String(p).toLowerCase(); });
  var spa = option('history', 'history');
  spa = spa !== false && spa !== 'off';
  // the API that served this script receives its events
  var endpoint = script.src.replace(/\/t\.js(\?.*)?$/, '') + '/v1/batch';
  var dnt = n.doNotTrack === '1' || w.doNotTrack === '1';
  var ID_COOKIE = 'll_aid';
  var CONSENT_COOKIE = 'll_consent';
  var FIELDS = ['email', 'name', 'phone', 'company', 'title'];
  var queue = [];
  var timer = 0;

  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function setCookie(name, value, days) {
    d.cookie = name + '=' + encodeURIComponent(value) + '; path=/; max-age=' + days * 86400 + '; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
  }
  function uuid() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // A choice remembered from an earlier page wins over the script tag's default.
  var stored = cookie(CONSENT_COOKIE);
  var consented = stored !== null ? stored === '1' : option('consent', 'consent') !== 'required';

  function anonymousId() {
    var id = cookie(ID_COOKIE);
    if (!id) id = uuid();
    setCookie(ID_COOKIE, id, 365);
    return id;
  }

  // Only the listed query parameters leave the browser; '*' keeps them all.
  function search(value) {
    if (KEEP.indexOf('*') >= 0) return value;
    var kept = new URLSearchParams();
    new URLSearchParams(value).forEach(function (v, k) { if (KEEP.indexOf(k.toLowerCase()) >= 0) kept.append(k, v); });
    kept = kept.toString();
    return kept ? '?' + kept : '';
  }
  function route(hash) { return /^#[!\/]/.test(hash) ? hash : ''; }
  function clean(href) {
    try {
      var u = new URL(href);
      return u.origin + u.pathname + search(u.search) + route(u.hash);
    } catch (e) { return ''; }
  }

  // the page a single-page app was on before its last navigation
  var referrer = d.referrer;
  var current = location.href;

  // the page an event is about: where the browser is, or where a navigation went (l, from)
  function context(l, from) {
    l = l || location;
    var q = new URLSearchParams(l.search);
    var campaign = {};
    [['source', 'utm_source'], ['medium', 'utm_medium'], ['name', 'utm_campaign'], ['term', 'utm_term'], ['content', 'utm_content']]
      .forEach(function (p) { var v = q.get(p[1]); if (v) campaign[p[0]] = v; });
    var c = {
      page: { url: clean(l.href), path: l.pathname, referrer: clean(from === undefined ? referrer : from), title: d.title, search: search(l.search) },
      userAgent: n.userAgent,
      locale: n.language,
      library: { name: 'leadloop.js', version: '1' }
    };
    if (Object.keys(campaign).length) c.campaign = campaign;
    return c;
  }

  function enqueue(event, l, from) {
    if (dnt) return;
    event.messageId = uuid();
    event.timestamp = new Date().toISOString();
    event.context = context(l, from);
    queue.push(event);
    if (!timer) timer = setTimeout(flush, 1000);
  }

  function send(body) {
    try {
      if (n.sendBeacon && n.sendBeacon(endpoint, body)) return;
    } catch (e) { /* refused: fall back to fetch */ }
    if (w.fetch) fetch(endpoint, { method: 'POST', body: body, keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } })
      .catch(function () {});
  }

  function flush() {
    clearTimeout(timer);
    timer = 0;
    if (dnt || !consented || !queue.length || !writeKey) return;
    var id = anonymousId();
    // a beacon is limited to 64 KB: send in small batches
    while (queue.length) {
      var batch = queue.splice(0, 20);
      batch.forEach(function (e) { e.anonymousId = id; });
      send(JSON.stringify({ writeKey: writeKey, sentAt: new Date().toISOString(), batch: batch }));
    }
  }

  function onSubmit(e) {
    var form = e.target;
    if (!form || !form.hasAttribute || !form.hasAttribute('data-leadloop-identify')) return;
    var listed = form.getAttribute('data-leadloop-identify');
    var fields = listed ? listed.split(/[\s,]+/) : FIELDS;
    if (fields.indexOf('email') < 0) fields.push('email');
    var traits = {};
    fields.forEach(function (name) {
      var el = form.elements[name];
      var v = el && typeof el.value === 'string' ? el.value.trim() : '';
      if (v) traits[name] = v;
    });
    if (!traits.email) return;
    enqueue({ type: 'identify', traits: traits });
    // the page is about to go away
    flush();
  }

  w.leadloop = {
    v: 1,
    page: function (properties) { enqueue({ type: 'page', properties: properties || {} }); },
    track: function (event, properties) { enqueue({ type: 'track', event: event, properties: properties || {} }); },
    identify: function (traits) { enqueue({ type: 'identify', traits: traits || {} }); },
    flush: flush,
    consent: function (granted) {
      consented = !!granted;
      setCookie(CONSENT_COOKIE, consented ? '1' : '0', 365);
      if (consented) flush();
      else {
        queue = [];
        setCookie(ID_COOKIE, '', 0);
      }
    }
  };
  if (dnt) return;
  // Single-page apps: a page view per history navigation, sent once the app has had a moment to set
  // the new title. The address as recorded decides: the same twice in a row (a replaceState of the same
  // URL, a jump to an anchor, a change of a parameter that is not kept) is one page view.
  function navigated() {
    var next = location.href;
    var from = current;
    if (clean(next) === clean(from)) return;
    current = next;
    referrer = from;
    setTimeout(function () { enqueue({ type: 'page', properties: {} }, new URL(next), from); }, 100);
  }
  if (spa && w.history) {
    ['pushState', 'replaceState'].forEach(function (name) {
      var original = w.history[name];
      if (typeof original !== 'function') return;
      w.history[name] = function () {
        var result = original.apply(this, arguments);
        navigated();
        return result;
      };
    });
    w.addEventListener('popstate', navigated);
  }
  d.addEventListener('submit', onSubmit, true);
  w.addEventListener('pagehide', flush);
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') flush(); });
  w.leadloop.page();
})(window, document);
`;
