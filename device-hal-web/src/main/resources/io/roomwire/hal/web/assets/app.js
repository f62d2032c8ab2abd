// Roomwire touch panel. Every text from the agent is set with textContent: meeting titles are hostile input.
'use strict';
(function () {
  const meta = (n) => document.querySelector('meta[name="' + n + '"]').content;
  const token = meta('roomwire-token');
  const boot = meta('roomwire-boot');
  const main = document.getElementById('screen');
  const bannerEl = document.getElementById('banner');
  const linkEl = document.getElementById('link');
  const clockEl = document.getElementById('clock');
  const panel = { state: null, latencies: [], firstScreenAt: null, pending: null, sentDigits: '' };
  window.roomwirePanel = panel; // read by the browser tests and the benchmark

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Roomwire-Token': token },
      body: JSON.stringify(body), credentials: 'same-origin' });
  }

  function press(id) {
    panel.pending = { key: screenKey(panel.state), t: performance.now(), what: id };
    performance.mark('press:' + id);
    post('/press', { button: id }).then((r) => {
      if (r.status === 409) show(panel.state); // the button went away meanwhile: redraw what is current
    });
  }

  function button(b, cls, extra) {
    return el('button', Object.assign({ type: 'button', class: cls || null, 'data-button': b.id,
      onclick: () => press(b.id) }, extra || {}), b.label);
  }

  // ---- screens

  function qrSvg(rows) {
    const lines = rows.split('\n').filter((r) => r.length);
    const n = lines.length;
    let d = '';
    lines.forEach((row, y) => { for (let x = 0; x < row.length; x++) if (row[x] === '1') d += 'M' + x + ' ' + y + 'h1v1h-1z'; });
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + n + ' ' + n);
    svg.setAttribute('class', 'qr');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'QR code of the sign-in address');
    svg.setAttribute('shape-rendering', 'crispEdges');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', '#000');
    svg.append(path);
    return svg;
  }

  function mmss(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + String(r).padStart(2, '0');
  }

  function signIn(s) {
    const d = s.data;
    const countdown = el('p', { class: 'countdown', id: 'countdown', 'aria-live': 'off' });
    const tick = () => {
      const left = (Date.parse(d.expires_at) - Date.now()) / 1000;
      countdown.textContent = left > 0 ? 'Code expires in ' + mmss(left) : 'The code has expired; getting a new one…';
    };
    tick();
    ticking.push(tick);
    return el('section', { class: 'signin' },
      el('div', {},
        el('h1', { text: s.title }),
        el('p', { text: 'On your phone or computer, open' }),
        el('p', { class: 'url', text: d.verification_uri }),
        el('p', { text: 'and enter the code' }),
        el('p', { class: 'code', id: 'user-code', text: d.user_code }),
        countdown),
      d.qr ? qrSvg(d.qr) : null);
  }

  function home(s) {
    let meetings = [];
    try { meetings = JSON.parse(s.data.meetings || '[]'); } catch (e) { meetings = []; }
    const byId = new Map(s.buttons.map((b) => [b.id, b]));
    const used = new Set();
    const list = el('ul', { class: 'meetings', 'aria-label': "Today's meetings" });
    for (const m of meetings) {
      const cls = ['meeting', m.state === 'in_progress' ? 'now' : m.state, m.status].filter(Boolean).join(' ');
      const title = el('div', { class: 'title', text: m.title });
      if (m.status) title.append(el('span', { class: 'tag', text: m.status === 'cancelled' ? 'Cancelled' : 'Declined' }));
      if (m.state === 'in_progress' && !m.status) title.append(el('span', { class: 'tag', text: 'Now' }));
      const who = m.organizer ? el('div', { class: 'organizer', text: m.organizer }) : null;
      const b = m.button && byId.get(m.button);
      if (b) used.add(b.id);
      list.append(el('li', { class: cls },
        el('span', { class: 'time', text: m.time }),
        el('div', {}, title, who),
        b ? button(b, null, { 'aria-label': b.label + ': ' + m.title }) : el('span')));
    }
    const rest = s.buttons.filter((b) => !used.has(b.id));
    return el('section', { class: 'home' },
      el('h1', { text: s.title }),
      meetings.length ? list : el('p', { class: 'empty', text: s.lines[0] || 'No meetings today' }),
      rest.length ? el('div', { class: 'actions' }, ...rest.map((b) => button(b, null, { 'aria-label': b.label + ': ' + b.detail }))) : null);
  }

  // What a person notices: picture size, rate and freezes; sound level and estimated MOS; round trip.
  function quality(m) {
    const parts = [];
    if (m.kind === 'video' && m.frames > 0) {
      parts.push((m.resolution || '?') + ' ' + Number(m.fps).toFixed(0) + ' fps');
      if (m.freezes > 0) parts.push(m.freezes + (m.freezes === 1 ? ' freeze' : ' freezes'));
    }
    if (m.level_dbov !== undefined) parts.push(m.level_dbov + ' dBov');
    if (m.mos !== undefined) parts.push('MOS ' + Number(m.mos).toFixed(1));
    if (m.rtt_ms !== undefined) parts.push('RTT ' + m.rtt_ms + ' ms');
    return parts.join(', ') || '–';
  }

  function mediaTable(d) {
    let media = [];
    try { media = JSON.parse(d.media || '[]'); } catch (e) { media = []; }
    if (!media.length) return el('div');
    const table = el('table', { class: 'media', 'aria-label': 'Media' },
      el('thead', {}, el('tr', {}, ...['Stream', 'Sent', 'Received', 'Lost', 'Jitter', 'Quality'].map((h) => el('th', { scope: 'col', text: h })))));
    const body = el('tbody');
    for (const m of media) {
      body.append(el('tr', { 'data-kind': m.kind },
        el('td', { text: m.kind + (m.secure ? ' (SRTP)' : '') }),
        el('td', { class: 'sent', text: String(m.sent) }),
        el('td', { class: 'received', text: String(m.received) }),
        el('td', { text: String(m.lost) }),
        el('td', { text: Number(m.jitter_ms).toFixed(1) + ' ms' }),
        el('td', { class: 'quality', text: quality(m) })));
    }
    table.append(body);
    return table;
  }

  // The call screen is redrawn in place each second (figures, state), so a finger on a button is never lost.
  function updateCall(state) {
    const v = panel.callView;
    if (!v || !main.contains(v.media) || v.key !== screenKey(state)) return false;
    const s = state.screen;
    v.d = s.data;
    const fresh = mediaTable(s.data);
    v.media.replaceWith(fresh);
    v.media = fresh;
    v.state.textContent = s.lines[0] || s.data.state;
    if (v.volume) v.volume.textContent = 'Volume ' + s.data.volume + '%';
    const live = s.data.state === 'connected' || s.data.state === 'on_hold';
    main.querySelectorAll('button[data-digit]').forEach((b) => { b.disabled = !live; });
    return true;
  }

  function call(s, state) {
    const view = { key: screenKey(state), d: s.data };
    const d = s.data;
    const duration = el('p', { class: 'duration', id: 'duration', 'aria-label': 'Call duration' });
    const tick = () => {
      duration.textContent = view.d.connected_at ? mmss((Date.now() - Date.parse(view.d.connected_at)) / 1000) : '–:––';
    };
    tick();
    ticking.push(tick);
    view.media = mediaTable(d);
    view.state = el('p', { class: 'state', id: 'call-state', text: s.lines[0] || d.state });
    view.volume = d.volume !== undefined ? el('p', { id: 'volume', text: 'Volume ' + d.volume + '%' }) : null;
    panel.callView = view;
    const controls = s.buttons.map((b) => {
      if (b.id === 'call.hangup') return button(b, 'danger');
      if (b.id === 'call.mute') return button(b, null, { 'aria-pressed': d.mic === 'muted' ? 'true' : 'false' });
      if (b.id === 'call.camera') return button(b, null, { 'aria-pressed': d.camera === 'off' ? 'true' : 'false' });
      return button(b);
    });
    const live = d.state === 'connected' || d.state === 'on_hold';
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
    const sent = el('p', { class: 'sent-digits', id: 'sent-digits', 'aria-live': 'polite', text: panel.sentDigits });
    const keypad = el('div', { class: 'keypad', role: 'group', 'aria-label': 'Keypad' },
      ...keys.map((k) => el('button', { type: 'button', 'data-digit': k, 'aria-label': 'Key ' + k, disabled: !live,
        onclick: () => { panel.sentDigits += k; sent.textContent = panel.sentDigits; post('/press', { digits: k }); } }, k)));
    return el('section', { class: 'call' },
      el('div', {},
        el('h1', { text: s.title }),
        view.state,
        d.target && d.target !== s.title ? el('p', { class: 'target', text: d.target }) : null,
        duration,
        view.volume,
        view.media,
        el('div', { class: 'actions' }, ...controls)),
      el('div', {}, el('h2', { text: 'Keypad' }), keypad, sent));
  }

  function generic(s) {
    const cls = s.kind === 'call-failed' || s.kind === 'enrollment-error' ? 'failed' : '';
    return el('section', { class: cls },
      el('h1', { text: s.title }),
      el('div', { class: 'lines' }, ...s.lines.map((l) => el('p', { text: l }))),
      s.buttons.length ? el('div', { class: 'actions' }, ...s.buttons.map((b) =>
        button(b, b.id.endsWith('decline') ? 'danger' : null, b.detail ? { 'aria-label': b.label + ': ' + b.detail } : {}))) : null);
  }

  const renderers = { 'device-code': signIn, home: home, call: call };
  let ticking = [];

  function show(state) {
    const prev = panel.state;
    panel.state = state;
    if (state.screen && state.screen.kind === 'call' && prev && updateCall(state)) {
      if (state.banner) { bannerEl.textContent = state.banner; bannerEl.hidden = false; } else { bannerEl.hidden = true; }
      return;
    }
    panel.callView = null;
    ticking = [];
    if (state.banner) { bannerEl.textContent = state.banner; bannerEl.hidden = false; } else { bannerEl.hidden = true; }
    const s = state.screen;
    const focused = document.activeElement && document.activeElement.getAttribute('data-button');
    const focusedDigit = document.activeElement && document.activeElement.getAttribute('data-digit');
    main.replaceChildren(s ? (renderers[s.kind] || generic)(s, state) : el('p', { class: 'empty', text: 'Starting…' }));
    document.body.dataset.kind = s ? s.kind : '';
    if (s && s.kind !== 'call') panel.sentDigits = '';
    // Keep keyboard focus on the same control across the once-a-second call updates.
    const again = focused ? main.querySelector('[data-button="' + CSS.escape(focused) + '"]')
      : focusedDigit ? main.querySelector('[data-digit="' + CSS.escape(focusedDigit) + '"]') : null;
    if (again) again.focus();
    if (s && panel.firstScreenAt === null) panel.firstScreenAt = performance.now();
  }

  // What a press changes: the screen, its title or its buttons (not the once-a-second media figures).
  function screenKey(state) {
    const s = state && state.screen;
    return s ? s.kind + '|' + s.title + '|' + s.buttons.map((b) => b.id + '=' + b.label).join(',') : '';
  }

  function onState(state) {
    if (state.boot !== boot) { location.reload(); return; } // the agent restarted: a new token comes with the page
    const p = panel.pending;
    show(state);
    if (p && screenKey(state) !== p.key) {
      panel.pending = null;
      requestAnimationFrame(() => panel.latencies.push({ what: p.what, ms: performance.now() - p.t }));
    }
  }

  // ---- connection: server-sent events, reconnecting forever

  let source = null;
  function connect() {
    source = new EventSource('/events');
    source.addEventListener('state', (e) => {
      linkEl.textContent = ''; linkEl.classList.remove('down'); main.inert = false; onState(JSON.parse(e.data));
    });
    source.onerror = () => {
      linkEl.textContent = 'Reconnecting to the room…';
      linkEl.classList.add('down');
      main.inert = true; // a press now would go nowhere: the screen is shown, dimmed, until the room answers
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 1000); }
    };
  }

  // ---- admin

  const dialog = document.getElementById('admin');
  const adminBody = document.getElementById('admin-body');
  const adminError = document.getElementById('admin-error');
  const adminForm = document.getElementById('admin-form');
  document.getElementById('admin-open').addEventListener('click', () => {
    adminBody.replaceChildren(); adminError.textContent = ''; adminForm.hidden = false;
    dialog.showModal(); document.getElementById('admin-pin').focus();
  });
  document.getElementById('admin-close').addEventListener('click', () => dialog.close());
  adminForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const pin = document.getElementById('admin-pin');
    post('/admin', { pin: pin.value }).then((r) => {
      pin.value = '';
      if (!r.ok) { return r.text().then((t) => { adminError.textContent = t; }); }
      return r.json().then((j) => {
        adminForm.hidden = true;
        adminError.textContent = '';
        adminBody.replaceChildren(...j.sections.map((sec) => el('section', {},
          el('h2', { text: sec.title }),
          el('table', {}, el('tbody', {}, ...sec.rows.map((row) => el('tr', {},
            el('th', { scope: 'row', text: row.name }),
            el('td', { class: row.state ? 'st-' + row.state : null, text: row.value }))))))));
      });
    });
  });

  // ---- pairing (only when the panel listens beyond loopback and this browser has not paired)

  function pairing() {
    const input = el('input', { id: 'pair-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true });
    const err = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { class: 'pin' }, el('label', { for: 'pair-pin', text: 'Pairing PIN' }), input,
      el('button', { type: 'submit' }, 'Pair'), err);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      fetch('/pair', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pin: input.value }) })
        .then((r) => { if (r.ok) location.reload(); else r.text().then((t) => { err.textContent = t; }); });
    });
    main.replaceChildren(el('section', {}, el('h1', { text: 'Pair this browser with the room' }), form));
  }

  function clock() {
    clockEl.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
    ticking.forEach((t) => t());
  }
  clock();
  setInterval(clock, 1000);
  if (meta('roomwire-pairing') === 'yes') { pairing(); } else { connect(); }
})();
