/**
 * The page's only script, served from /page/assets (CSP script-src 'self').
 * Kept as plain ES2017 text: the server's tsconfig has no DOM types, and the
 * browser runs it as is. It (1) re-fetches the server-rendered fragment of the
 * refreshed region every few seconds and swaps it in, keeping open <details>
 * and not disturbing a text selection; (2) drives the kill form: token, an
 * in-page confirmation, then the API call. Everything it writes is set with
 * textContent or comes from the server's escaped fragment: never from input.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var content = document.getElementById('content');
  var live = document.getElementById('live');
  var refreshNow = function () {};

  function setLive(text, isError) {
    if (!live) return;
    live.textContent = text;
    live.classList.toggle('error', Boolean(isError));
  }

  function selectionInside(el) {
    var sel = document.getSelection();
    return Boolean(sel && !sel.isCollapsed && sel.anchorNode && el.contains(sel.anchorNode));
  }

  function swap(el, markup) {
    var open = {};
    el.querySelectorAll('details[id]').forEach(function (d) { open[d.id] = d.open; });
    var tpl = document.createElement('template');
    tpl.innerHTML = markup;
    tpl.content.querySelectorAll('details[id]').forEach(function (d) {
      if (Object.prototype.hasOwnProperty.call(open, d.id)) d.open = open[d.id];
    });
    el.replaceChildren(tpl.content);
    var root = el.querySelector('[data-open]');
    var kill = document.getElementById('kill');
    if (root && kill && root.getAttribute('data-open') === 'false') kill.hidden = true;
  }

  if (content && content.dataset.refresh) {
    var src = content.dataset.refresh;
    var interval = Math.max(2000, Number(content.dataset.interval) || 5000);
    var busy = false;
    var tick = function () {
      if (busy || document.hidden || selectionInside(content)) return;
      busy = true;
      fetch(src, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          return res.text();
        })
        .then(function (text) {
          swap(content, text);
          document.documentElement.setAttribute('data-refreshed', String(Date.now()));
          setLive('updated ' + new Date().toLocaleTimeString(), false);
        })
        .catch(function (err) {
          setLive('refresh failed (' + (err && err.message ? err.message : 'error') + '); retrying', true);
        })
        .then(function () { busy = false; });
    };
    refreshNow = tick;
    setInterval(tick, interval);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) tick(); });
  }

  var form = document.querySelector('form.kill-form');
  if (form) {
    form.hidden = false;
    var token = form.querySelector('input[name=token]');
    var confirmBox = form.querySelector('.confirm');
    var result = form.querySelector('.kill-result');
    var submit = form.querySelector('button[type=submit]');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (!token.value) { result.textContent = 'Enter the API token first.'; token.focus(); return; }
      confirmBox.hidden = false;
      submit.disabled = true;
      confirmBox.querySelector('[data-confirm]').focus();
    });
    confirmBox.querySelector('[data-cancel]').addEventListener('click', function () {
      confirmBox.hidden = true;
      submit.disabled = false;
      result.textContent = 'Cancelled: nothing was sent.';
    });
    confirmBox.querySelector('[data-confirm]').addEventListener('click', function () {
      confirmBox.hidden = true;
      result.textContent = 'Sending…';
      fetch(form.getAttribute('data-kill-url'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { authorization: 'Bearer ' + token.value, 'content-type': 'application/json', accept: 'application/json' },
        body: '{}'
      })
        .then(function (res) {
          return res.text().then(function (text) {
            var body = null;
            try { body = JSON.parse(text); } catch (e) { body = null; }
            var message = body && typeof body.message === 'string' ? body.message
              : body && typeof body.outcome === 'string' ? body.outcome : res.statusText;
            if (res.ok) {
              token.value = '';
              result.textContent = 'Done: ' + message;
              refreshNow();
            } else {
              submit.disabled = false;
              result.textContent = 'Refused (HTTP ' + res.status + '): ' + message;
            }
          });
        })
        .catch(function (err) {
          submit.disabled = false;
          result.textContent = 'Request failed: ' + (err && err.message ? err.message : 'network error');
        });
    });
  }
})();
`;
