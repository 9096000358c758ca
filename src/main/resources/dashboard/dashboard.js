// gluu-kpi dashboard: draws api/dashboard (same query as this page's URL) with uPlot, and polls
// it while the job runs. Text from the database (service names, labels, summaries) only ever
// reaches the page through textContent, never as HTML.
(function () {
  'use strict';

  const PARAMS = ['from', 'to', 'service', 'window'];
  const query = new URLSearchParams(location.search);
  // ?refresh=N polls every N seconds (at least 1) instead of 10.
  const REFRESH_MS = Math.max(1, Number(query.get('refresh')) || 10) * 1000;
  const SEVERITY = {
    critical: { solid: '#dc2626', tint: 'rgba(220,38,38,0.08)' },
    warning: { solid: '#d97706', tint: 'rgba(217,119,6,0.07)' },
    info: { solid: '#2563eb', tint: 'rgba(37,99,235,0.04)' },
  };
  const PALETTE = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#ca8a04', '#4f46e5'];
  const STAGE_COLORS = { total: '#2563eb', model: '#9333ea', llm: '#16a34a' };
  const charts = new Map(); // section id → { plot, key }
  let episodes = []; // [{start, end, severity}] in epoch seconds, shaded on every chart
  let latest = null;

  const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const dec1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const fmtInt = (v) => (v == null ? '–' : int.format(v));
  const fmtMs = (v) => (v == null ? '–' : dec1.format(v) + ' ms');
  const fmtPct = (v, digits) => (v == null ? '–' : (v * 100).toFixed(digits == null ? 2 : digits) + ' %');
  const fmtUsd = (v, digits) => (v == null ? '–' : '$' + v.toFixed(digits == null ? 4 : digits));
  const fmtTime = (sec) => (sec == null ? '–' : new Date(sec * 1000).toISOString().slice(0, 16).replace('T', ' '));
  const isoMinute = (sec) => new Date(sec * 1000).toISOString().slice(0, 16) + ':00Z';
  const epoch = (iso) => (iso == null ? null : Date.parse(iso) / 1000);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function pageUrl(changes) {
    const p = new URLSearchParams();
    for (const k of PARAMS) {
      const v = k in changes ? changes[k] : query.get(k);
      if (v != null && v !== '') p.set(k, v);
    }
    const s = p.toString();
    return s ? '?' + s : '?';
  }

  function apiUrl() {
    const p = new URLSearchParams();
    for (const k of PARAMS) if (query.get(k)) p.set(k, query.get(k));
    return 'api/dashboard?' + p.toString();
  }

  // ---- controls ------------------------------------------------------------------------------

  function initForm() {
    for (const k of ['from', 'to']) document.getElementById(k).value = query.get(k) || '';
    document.getElementById('window').value = query.get('window') || 'auto';
  }

  function updateControls(data) {
    const select = document.getElementById('service');
    const wanted = query.get('service') || '';
    const names = data.services.slice();
    if (wanted && !names.includes(wanted)) names.push(wanted);
    const have = Array.from(select.options).slice(1).map((o) => o.value);
    if (have.join('\n') !== names.join('\n')) {
      while (select.options.length > 1) select.remove(1);
      for (const n of names) {
        const o = el('option', n);
        o.value = n;
        select.add(o);
      }
    }
    select.value = wanted;
    latest = epoch(data.range.latestData);
    for (const a of document.querySelectorAll('#quick a')) {
      const hours = Number(a.dataset.hours);
      const end = latest != null ? latest : Date.now() / 1000;
      a.href = pageUrl({ from: isoMinute(end - hours * 3600), to: null });
    }
  }

  function status(data) {
    const r = data.range;
    const win = r.window === '1h' ? '1-hour' : '1-minute';
    const live = r.live ? 'live: follows new data' : 'fixed range';
    document.getElementById('status').textContent = win + ' windows ' + fmtTime(epoch(r.gridStart)) + ' – '
      + fmtTime(epoch(r.gridEnd)) + ' UTC' + (r.service ? ' · service ' + r.service : ' · all services')
      + ' · ' + live + ' · latest data ' + fmtTime(epoch(r.latestData)) + ' · refreshed '
      + new Date().toISOString().slice(11, 19) + ' UTC';
  }

  function showError(message) {
    const e = document.getElementById('error');
    e.hidden = message == null;
    e.textContent = message || '';
  }

  // ---- text ----------------------------------------------------------------------------------

  function summaryTable(data) {
    const body = document.querySelector('#summary tbody');
    body.replaceChildren();
    for (const row of data.summary) {
      const tr = el('tr', null, row.service === '*' ? 'all' : null);
      tr.dataset.service = row.service;
      const cells = [row.service === '*' ? 'all services' : row.service, fmtInt(row.requests), fmtInt(row.errors),
        fmtPct(row.errorRate), fmtMs(row.p50Ms), fmtMs(row.p95Ms), fmtMs(row.p99Ms)];
      const names = ['service', 'requests', 'errors', 'error-rate', 'p50', 'p95', 'p99'];
      cells.forEach((text, i) => {
        const td = el(i === 0 ? 'th' : 'td', text);
        if (i === 0) td.scope = 'row';
        td.dataset.col = names[i];
        tr.append(td);
      });
      body.append(tr);
    }
    document.getElementById('summary-caption').textContent = 'Requests of every status; error rate = errors'
      + ' (server-side failures) / requests; percentiles of total latency merged from the stored sketches'
      + ' (within 1 %), never averaged.';
  }

  function caption(id, text) {
    document.querySelector('#' + id + ' .caption').textContent = text;
  }

  function alertsTable(data) {
    const body = document.querySelector('#alerts tbody');
    body.replaceChildren();
    for (const a of data.alerts) {
      const tr = el('tr');
      const sev = el('td');
      sev.append(el('span', a.severity, 'sev sev-' + a.severity));
      tr.append(sev, el('td', a.rule));
      tr.append(el('td', Object.entries(a.labels).map(([k, v]) => k + '=' + v).join(' ')));
      const start = epoch(a.startedAt);
      const end = epoch(a.resolvedAt);
      tr.append(el('td', fmtTime(start)), el('td', a.resolvedAt ? fmtTime(end) : 'firing'));
      tr.append(el('td', (a.value == null ? '–' : +a.value.toPrecision(4)) + ' / '
        + (a.threshold == null ? '–' : +a.threshold.toPrecision(4))));
      const summary = el('td', a.summary + ' ');
      const zoom = el('a', 'zoom to episode');
      const pad = 15 * 60;
      zoom.href = pageUrl({ from: isoMinute(start - pad), to: isoMinute((end || start) + pad + 60), window: '1m' });
      summary.append(zoom);
      tr.append(summary);
      const ev = el('td');
      if (a.evidence.length) {
        const details = el('details');
        details.append(el('summary', a.evidence.length + ' request' + (a.evidence.length > 1 ? 's' : '')));
        const ul = el('ul');
        for (const e of a.evidence) {
          ul.append(el('li', e.requestId + ' · ' + e.ts + (e.value == null ? '' : ' · ' + +e.value.toPrecision(6))));
        }
        details.append(ul);
        ev.append(details);
      } else {
        ev.textContent = '–';
      }
      tr.append(ev);
      body.append(tr);
    }
    if (!data.alerts.length) {
      const tr = el('tr');
      const td = el('td', 'No alert episode overlaps this range.');
      td.colSpan = 8;
      tr.append(td);
      body.append(tr);
    }
  }

  function deadLetterTable(data) {
    const body = document.querySelector('#dead-letters tbody');
    body.replaceChildren();
    for (const r of data.deadLetters.reasons) {
      const tr = el('tr');
      tr.append(el('td', r.reason), el('td', fmtInt(r.inRange)), el('td', fmtInt(r.allTime)));
      body.append(tr);
    }
  }

  // ---- charts --------------------------------------------------------------------------------

  const bars = () => uPlot.paths.bars({ size: [0.85, 40], gap: 1 });
  const points = () => null;

  // The union of the episodes of each severity: overlapping episodes shade a stretch once.
  function unionBySeverity(list) {
    const out = [];
    for (const severity of ['critical']) {
      const spans = list.filter((e) => e.severity === severity).sort((a, b) => a.start - b.start);
      let current = null;
      for (const e of spans) {
        if (current && e.start <= current.end) {
          current.end = Math.max(current.end, e.end);
        } else {
          current = { start: e.start, end: e.end, severity };
          out.push(current);
        }
      }
    }
    return out;
  }

  // Critical episodes as faint bands behind every chart, so an incident lines up across them
  // (warnings too would tint most of a busy range; the alert chart shows them all).
  const shading = {
    hooks: {
      drawClear: [(u) => {
        const { left, top, width, height } = u.bbox;
        u.ctx.save();
        for (const e of episodes) {
          const x0 = Math.max(left, u.valToPos(e.start, 'x', true));
          const x1 = Math.min(left + width, u.valToPos(e.end, 'x', true));
          if (x1 <= x0) continue;
          u.ctx.fillStyle = (SEVERITY[e.severity] || SEVERITY.info).tint;
          u.ctx.fillRect(x0, top, x1 - x0, height);
        }
        u.ctx.restore();
      }],
    },
  };

  // Dragging across a chart opens that range: a new URL, so the zoomed view can be shared too.
  const zoomToSelection = {
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 5) return;
        const from = u.posToVal(u.select.left, 'x');
        const to = u.posToVal(u.select.left + u.select.width, 'x');
        location.search = pageUrl({ from: isoMinute(Math.floor(from / 60) * 60), to: isoMinute(Math.ceil(to / 60) * 60) });
      }],
    },
  };

  // 24-hour UTC tick labels; the date where it changes (and on the first tick).
  function timeTicks(u, splits) {
    let day = null;
    return splits.map((sec) => {
      const iso = new Date(sec * 1000).toISOString();
      const d = iso.slice(5, 10);
      const label = d !== day ? iso.slice(11, 16) + '\n' + d : iso.slice(11, 16);
      day = d;
      return label;
    });
  }

  function options(title, series, axes, extra) {
    return Object.assign({
      width: 600,
      height: 230,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { sync: { key: 'gluu' }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true } },
      series: [{ label: 'UTC', value: (u, v) => fmtTime(v) }].concat(series),
      axes: [{ stroke: '#4b5563', grid: { stroke: '#eef0f3' }, values: timeTicks }].concat(axes),
      plugins: [shading, zoomToSelection],
      legend: { live: true },
    }, extra || {});
  }

  const axis = (scale, label, side, values) => ({
    scale, label, side: side || 3, stroke: '#4b5563', values,
    grid: { show: side !== 1, stroke: '#eef0f3' }, size: 60,
  });

  // Stacked bars: each series is drawn up to the running total, the tallest first, so the
  // shorter ones in front show the parts; legends show each part's own value.
  function stacked(t, parts, fmt) {
    const state = { raw: parts.map((p) => p.values) };
    const totals = [];
    let running = t.map(() => null);
    for (const p of parts) {
      running = running.map((r, i) => (p.values[i] == null ? r : (r || 0) + p.values[i]));
      totals.push(running);
    }
    const series = [];
    const data = [];
    for (let k = parts.length - 1; k >= 0; k--) {
      series.push({
        label: parts[k].label, scale: 'y', stroke: parts[k].color, fill: parts[k].color, width: 0, paths: bars(),
        value: (u, v, si, i) => (i == null ? '–' : fmt(state.raw[k][i])),
      });
      data.push(totals[k]);
    }
    return { series, data, state };
  }

  function trafficChart(d) {
    const pct = d.traffic.errorRate.map((v) => (v == null ? null : v * 100));
    return {
      key: 'traffic',
      opts: options('traffic', [
        { label: 'requests', scale: 'y', stroke: '#2563eb', fill: 'rgba(37,99,235,0.55)', width: 0, paths: bars(),
          value: (u, v) => fmtInt(v) },
        { label: 'errors', scale: 'y', stroke: '#dc2626', fill: '#dc2626', width: 0, paths: bars(),
          value: (u, v) => fmtInt(v) },
        { label: 'error rate', scale: '%', stroke: '#b91c1c', width: 2, value: (u, v) => (v == null ? '–' : v.toFixed(2) + ' %') },
      ], [axis('y', 'requests'), axis('%', 'error rate %', 1)]),
      data: [d.t, d.traffic.requests, d.traffic.errors, pct],
    };
  }

  function latencyChart(d) {
    const series = [];
    const data = [d.t];
    for (const stage of ['total', 'model', 'llm']) {
      const s = d.latency[stage];
      for (const [q, dash, width] of [['p50', [2, 3], 1], ['p95', [], 2], ['p99', [8, 4], 1.5]]) {
        series.push({ label: stage + ' ' + q, scale: 'ms', stroke: STAGE_COLORS[stage], dash, width,
          value: (u, v) => fmtMs(v) });
        data.push(s[q]);
      }
    }
    return { key: 'latency', opts: options('latency', series, [axis('ms', 'ms')]), data };
  }

  function accuracyChart(d) {
    const series = [];
    const data = [d.t];
    d.accuracy.forEach((m, i) => {
      const color = m.unmatched ? '#ca8a04' : PALETTE[i % PALETTE.length];
      if (!m.unmatched) {
        series.push({ label: m.model + ' accuracy', scale: 'acc', stroke: color, width: 2,
          value: (u, v) => (v == null ? '–' : v.toFixed(3)) });
        data.push(m.accuracy);
      }
      series.push({ label: m.model + ' feedback', scale: 'n', stroke: color, fill: color + '66', width: 0,
        paths: bars(), value: (u, v) => fmtInt(v) });
      data.push(m.feedback);
    });
    const key = 'accuracy:' + d.accuracy.map((m) => m.model).join('|');
    return {
      key,
      opts: options('accuracy', series, [axis('acc', 'accuracy'), axis('n', 'feedback', 1)],
        { scales: { x: { time: true }, acc: { range: [0, 1] } } }),
      data,
    };
  }

  function costChart(d) {
    const c = d.cost;
    const s = stacked(d.t, [
      { label: 'LLM', color: '#9333ea', values: c.llmUsd },
      { label: 'hosting (busy)', color: '#2563eb', values: c.busyHostingUsd },
      { label: 'idle hosting', color: '#ea580c', values: c.idleHostingUsd },
      { label: 'Fargate', color: '#0891b2', values: c.computeUsd },
    ], (v) => fmtUsd(v));
    s.series.push({ label: 'per inference', scale: 'per', stroke: '#15803d', width: 2, value: (u, v) => fmtUsd(v, 6) });
    s.data.push(c.usdPerInference);
    const money = (u, splits) => splits.map((v) => '$' + +v.toPrecision(3));
    return {
      key: 'cost',
      opts: options('cost', s.series, [axis('y', 'USD per window', 3, money), axis('per', 'USD per inference', 1, money)]),
      data: [d.t].concat(s.data),
      state: s.state,
    };
  }

  function endpointChart(d) {
    const series = [];
    const data = [d.t];
    const events = (values) => values.map((v) => (v ? v : null)); // mark only the windows where it happened
    d.endpoints.forEach((e, i) => {
      const color = PALETTE[i % PALETTE.length];
      series.push({ label: e.endpoint + ' in service', scale: '%', stroke: color, width: 2,
        value: (u, v) => (v == null ? '–' : v.toFixed(1) + ' %') });
      data.push(e.inServiceShare.map((v) => (v == null ? null : v * 100)));
      series.push({ label: e.endpoint + ' failures', scale: 'n', stroke: '#dc2626', paths: points,
        points: { show: true, size: 11, fill: '#dc2626', stroke: '#7f1d1d' }, value: (u, v) => fmtInt(v) });
      data.push(events(e.failures));
      series.push({ label: e.endpoint + ' restarts', scale: 'n', stroke: '#16a34a', paths: points,
        points: { show: true, size: 11, fill: '#16a34a', stroke: '#14532d' }, value: (u, v) => fmtInt(v) });
      data.push(events(e.restarts));
    });
    return {
      key: 'endpoints:' + d.endpoints.map((e) => e.endpoint).join('|'),
      opts: options('endpoints', series, [axis('%', 'in service, % of window'), axis('n', 'events', 1)],
        { scales: { x: { time: true }, '%': { range: [0, 105] }, n: { range: (u, lo, hi) => [0, Math.max(2, hi + 1)] } } }),
      data,
    };
  }

  // One lane per rule and label set; an episode is a bar from its start to its resolve (or the
  // end of the range while firing), its evidence requests dots at their times.
  function alertChart(d) {
    const lanes = [];
    const laneOf = new Map();
    const gridEnd = epoch(d.range.gridEnd);
    const drawn = d.alerts.map((a) => {
      const name = a.rule + ' ' + Object.values(a.labels).join(' ');
      if (!laneOf.has(name)) {
        laneOf.set(name, lanes.length);
        lanes.push(name.length > 44 ? name.slice(0, 43) + '…' : name);
      }
      return { lane: laneOf.get(name), start: epoch(a.startedAt), end: a.resolvedAt ? epoch(a.resolvedAt) : gridEnd,
        severity: a.severity, evidence: a.evidence.map((e) => epoch(e.ts)) };
    });
    const n = Math.max(1, lanes.length);
    const state = { drawn, t0: d.t[0], gridEnd };
    const draw = (u) => {
      const ctx = u.ctx;
      const { left, width } = u.bbox;
      ctx.save();
      for (const e of state.drawn) {
        const yTop = u.valToPos(e.lane + 0.8, 'lane', true);
        const yBottom = u.valToPos(e.lane + 0.2, 'lane', true);
        const x0 = Math.max(left, u.valToPos(e.start, 'x', true));
        const x1 = Math.min(left + width, u.valToPos(e.end, 'x', true));
        ctx.fillStyle = (SEVERITY[e.severity] || SEVERITY.info).solid;
        ctx.fillRect(x0, yTop, Math.max(3, x1 - x0), yBottom - yTop);
        ctx.fillStyle = '#111827';
        for (const ts of e.evidence) {
          const x = u.valToPos(ts, 'x', true);
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.arc(x, u.valToPos(e.lane + 0.5, 'lane', true), 2.5 * devicePixelRatio, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
      ctx.restore();
    };
    return {
      key: 'alerts:' + lanes.join('|'),
      height: 60 + 28 * n,
      opts: options('alerts', [{ label: 'episodes', scale: 'lane', show: true, stroke: 'transparent', paths: points }], [
        { scale: 'lane', stroke: '#4b5563', size: 290, grid: { show: false }, ticks: { show: false },
          splits: () => lanes.map((_, i) => i + 0.5), values: () => lanes.slice() },
      ], {
        scales: { x: { time: true, range: () => [state.t0, state.gridEnd] }, lane: { range: [0, n] } },
        hooks: { draw: [draw] },
        legend: { show: false },
      }),
      data: [d.t, d.t.map(() => null)],
      state,
    };
  }

  // Per (service, kind): open and stuck jobs at each window's end (bars), end-to-end p95 (line).
  function jobsChart(d) {
    const series = [];
    const data = [d.t];
    d.jobs.forEach((j, i) => {
      const color = PALETTE[i % PALETTE.length];
      const name = j.service + (j.kind ? '/' + j.kind : '');
      series.push({ label: name + ' open', scale: 'n', stroke: color, fill: color + '44', width: 0, paths: bars(),
        value: (u, v) => fmtInt(v) });
      data.push(j.open);
      series.push({ label: name + ' stuck', scale: 'n', stroke: '#dc2626', paths: points,
        points: { show: true, size: 9, fill: '#dc2626', stroke: '#7f1d1d' }, value: (u, v) => fmtInt(v) });
      data.push(j.stuck.map((v) => (v ? v : null)));
      series.push({ label: name + ' e2e p95', scale: 'ms', stroke: color, width: 2, spanGaps: true,
        points: { show: true, size: 5, fill: color }, value: (u, v) => fmtMs(v) });
      data.push(j.e2eP95Ms);
    });
    return {
      key: 'jobs:' + d.jobs.map((j) => j.service + '/' + j.kind).join('|'),
      opts: options('jobs', series, [axis('n', 'jobs at window end'), axis('ms', 'submit → webhook p95', 1)]),
      data,
    };
  }

  function jobsTable(data) {
    const body = document.querySelector('#jobs tbody');
    body.replaceChildren();
    for (const j of data.jobs) {
      const tr = el('tr');
      tr.dataset.service = j.service;
      tr.dataset.kind = j.kind;
      const cells = [j.service, j.kind || '–', fmtInt(j.submitted), fmtInt(j.completed), fmtInt(j.failed),
        fmtInt(j.webhooksSent), fmtInt(j.webhooksFailed), fmtMs(j.e2eP50OverRangeMs), fmtMs(j.e2eP95OverRangeMs),
        fmtMs(j.e2eP99OverRangeMs), fmtInt(j.stuckAtEnd)];
      const names = ['service', 'kind', 'submitted', 'completed', 'failed', 'webhooks-sent', 'webhooks-failed',
        'p50', 'p95', 'p99', 'stuck-at-end'];
      cells.forEach((text, i) => {
        const td = el(i === 0 ? 'th' : 'td', text);
        if (i === 0) td.scope = 'row';
        td.dataset.col = names[i];
        tr.append(td);
      });
      body.append(tr);
    }
  }

  function tenantsTable(data) {
    const body = document.querySelector('#tenants tbody');
    body.replaceChildren();
    for (const t of data.tenants) {
      const tr = el('tr');
      tr.dataset.tenant = t.clientId;
      const share = t.monthlyBudgetUsd == null || t.monthToDateUsd == null ? null : t.monthToDateUsd / t.monthlyBudgetUsd;
      const cells = [t.clientId === '' ? '(none)' : t.clientId, fmtInt(t.requests), fmtInt(t.errors), fmtUsd(t.llmUsd, 4),
        fmtUsd(t.allocatedUsd, 4), fmtUsd(t.totalUsd, 4), fmtUsd(t.usdPerRequest, 6), fmtUsd(t.monthToDateUsd, 4),
        t.monthlyBudgetUsd == null ? '–' : fmtUsd(t.monthlyBudgetUsd, 2), share == null ? '–' : fmtPct(share, 1)];
      const names = ['tenant', 'requests', 'errors', 'llm', 'allocated', 'total', 'per-request', 'month-to-date',
        'budget', 'of-budget'];
      cells.forEach((text, i) => {
        const td = el(i === 0 ? 'th' : 'td', text);
        if (i === 0) td.scope = 'row';
        td.dataset.col = names[i];
        tr.append(td);
      });
      if (share != null && share > 1) tr.classList.add('over');
      body.append(tr);
    }
    document.getElementById('tenants-caption').textContent = data.tenants.length
      ? 'Per calling tenant over the range (kpi.tenant_usage): LLM cost plus its share, by requests, of the hosting and'
        + ' compute of the cost rows its requests fell in; month to date = its calendar month (UTC) up to the range\'s'
        + ' end, against its budget in jobs/budgets.yaml. The ' + data.tenants.length + ' most expensive.'
      : 'No tenant usage in this range.';
  }

  function deadLetterChart(d) {
    const reasons = Object.keys(d.deadLetters.series);
    const s = stacked(d.t, reasons.map((r, i) => ({ label: r, color: PALETTE[(i + 3) % PALETTE.length],
      values: d.deadLetters.series[r] })), fmtInt);
    return {
      key: 'dead:' + reasons.join('|'),
      opts: options('dead letters', s.series, [axis('y', 'dead letters')]),
      data: [d.t].concat(s.data),
      state: s.state,
    };
  }

  function draw(id, chart) {
    const section = document.getElementById(id);
    const box = section.querySelector('.plot');
    const width = Math.max(300, box.clientWidth);
    const existing = charts.get(id);
    if (existing && existing.key === chart.key) {
      // Same series: new data in place (the hooks and legends read the state object, not the old data).
      if (existing.state && chart.state) Object.assign(existing.state, chart.state);
      existing.plot.setData(chart.data);
      return;
    }
    if (existing) existing.plot.destroy();
    chart.opts.width = width;
    if (chart.height) chart.opts.height = chart.height;
    charts.set(id, { key: chart.key, state: chart.state, plot: new uPlot(chart.opts, chart.data, box) });
  }

  function captions(d) {
    const acc = d.accuracy.map((m) => (m.unmatched ? 'unmatched feedback (no inference found): ' + fmtInt(m.feedbackTotal)
      : m.model + ' ' + (m.accuracyOverRange == null ? '–' : m.accuracyOverRange.toFixed(3)) + ' over '
        + fmtInt(m.feedbackTotal) + ' feedback'));
    caption('chart-accuracy', acc.length ? 'Over the range: ' + acc.join('; ') + '.' : 'No feedback in this range.');
    const c = d.cost.totals;
    caption('chart-cost', 'Over the range: ' + fmtUsd(c.totalUsd) + ' for ' + fmtInt(c.requests) + ' requests, '
      + fmtUsd(c.usdPerInference, 6) + ' per inference; LLM ' + fmtUsd(c.llmUsd) + ', hosting '
      + fmtUsd(c.busyHostingUsd + c.idleHostingUsd) + ' of which idle ' + fmtUsd(c.idleHostingUsd)
      + ' (what shutting idle endpoints down saves), Fargate ' + fmtUsd(c.computeUsd) + '.');
    const ep = d.endpoints.map((e) => e.endpoint + ': ' + dec1.format(e.inServiceSeconds / 60) + ' min in service, '
      + fmtInt(e.failuresTotal) + ' failures, ' + fmtInt(e.restartsTotal) + ' restarts');
    caption('chart-endpoints', ep.length ? ep.join('; ') + '.' : 'No endpoint events in this range.');
    caption('chart-traffic', 'Bars: requests and errors per window; line: error rate.');
    caption('chart-latency', 'Per window, merged over the selected services, models and endpoints:'
      + ' p50 dotted, p95 solid, p99 dashed; total = request handling, model = SageMaker, llm = OpenAI.');
    caption('chart-alerts', d.alerts.length + ' episode' + (d.alerts.length === 1 ? '' : 's') + ' overlap this range'
      + (d.alertsTruncated ? ' (only the first ' + d.alerts.length + ' are listed)' : '')
      + '; bars from start to resolve, dots are evidence requests. The other charts shade the critical ones.');
    const stuck = d.jobs.reduce((n, j) => n + (j.stuckAtEnd || 0), 0);
    caption('chart-jobs', d.jobs.length ? 'Per service and kind: bars are jobs open at each window\'s end, dots the stuck'
      + ' ones (open longer than jobs.stuck_after), lines the submit-to-webhook p95 of the window; the table merges'
      + ' the stored sketches over the range. Stuck at the range\'s end: ' + fmtInt(stuck) + '.'
      : 'No job events in this range.');
    const inRange = d.deadLetters.reasons.reduce((n, r) => n + r.inRange, 0);
    caption('chart-dead-letters', fmtInt(inRange) + ' dead letters in this range, each at its event time if it had one'
      + ' (too late, too far ahead), else at the time the job received it (a record that did not parse).');
  }

  // A table is rebuilt only when its data changed, so a poll does not undo a selection in it.
  const shown = new Map();
  function table(name, value, build, d) {
    const key = JSON.stringify(value);
    if (shown.get(name) === key) return;
    shown.set(name, key);
    build(d);
  }

  function render(d) {
    updateControls(d);
    status(d);
    table('summary', d.summary, summaryTable, d);
    table('alerts', d.alerts, alertsTable, d);
    table('dead', d.deadLetters.reasons, deadLetterTable, d);
    table('jobs', d.jobs, jobsTable, d);
    table('tenants', d.tenants, tenantsTable, d);
    captions(d);
    const gridEnd = epoch(d.range.gridEnd);
    episodes = unionBySeverity(d.alerts.map((a) => ({ start: epoch(a.startedAt),
      end: a.resolvedAt ? epoch(a.resolvedAt) : gridEnd, severity: a.severity })));
    draw('chart-traffic', trafficChart(d));
    draw('chart-latency', latencyChart(d));
    draw('chart-accuracy', accuracyChart(d));
    draw('chart-cost', costChart(d));
    draw('chart-endpoints', endpointChart(d));
    draw('chart-alerts', alertChart(d));
    draw('chart-jobs', jobsChart(d));
    draw('chart-dead-letters', deadLetterChart(d));
  }

  async function refresh() {
    try {
      const res = await fetch(apiUrl(), { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error((await res.text()).trim() || 'HTTP ' + res.status);
      render(await res.json());
      showError(null);
      document.body.dataset.state = 'ready';
      document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
    } catch (e) {
      showError('Could not load the KPIs: ' + e.message + ' (retrying every ' + REFRESH_MS / 1000 + ' s)');
      if (document.body.dataset.state === 'loading') document.body.dataset.state = 'failed';
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  window.addEventListener('resize', () => {
    for (const [id, c] of charts) {
      const box = document.getElementById(id).querySelector('.plot');
      c.plot.setSize({ width: Math.max(300, box.clientWidth), height: c.plot.height });
    }
  });

  initForm();
  refresh();
})();
