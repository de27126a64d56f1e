// A small SVG line or step chart with labelled axes, a marker line and a readable
// summary for screen readers. Used for the impact timeline (assets down against
// hours) and the exceedance curve of a risk study (impact against return period, log x).
//
//   const chart = lineChart({
//     series: [{ points: [[0, 1], [8, 3]], step: true, label: 'Assets down' }],
//     xLabel: 'Hours after the event', yLabel: 'Assets down', xMax: 72,
//     title: 'Assets down over time',
//   });
//   container.append(chart.element);
//   chart.setMarker(12); // a vertical line at x = 12

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Powers of ten in [lo, hi]; with 1-2-5 steps when the range spans three decades or fewer. */
function logTicks(lo, hi) {
  const out = [];
  const steps = Math.log10(hi / lo) <= 3 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e += 1) {
    for (const m of steps) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out.length ? out : [lo, hi];
}

const defaultFormat = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0)
  ? v.toExponential(0)
  : new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 }).format(v));

/**
 * options: series [{points: [[x, y]], step?: bool, label?, className?}], xLabel, yLabel,
 * title, width (viewBox units, default 560), height (default 240), xMin/xMax/yMin/yMax,
 * xLog/yLog (bool), xFormat/yFormat (value → text), dots [{x, y, hollow?, label?}]
 * (marked points, e.g. return periods; hollow ones drawn as rings), yInteger (whole-number
 * ticks only, for counts), summary (the text read out instead of every point).
 * Returns {element, setMarker(x | null)}.
 */
export function lineChart(options) {
  const W = options.width ?? 560;
  const H = options.height ?? 240;
  const pad = { left: 56, right: 16, top: 14, bottom: 44 };
  const all = options.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xMin = options.xMin ?? (xs.length ? Math.min(...xs) : 0);
  let xMax = options.xMax ?? (xs.length ? Math.max(...xs) : 1);
  if (!(xMax > xMin)) xMax = xMin + 1;
  const yMin = options.yMin ?? (options.yLog ? Math.min(...ys.filter((y) => y > 0), 1) : 0);
  let yMax = options.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (!(yMax > yMin)) yMax = yMin + 1;
  if (!options.yLog && options.yMax === undefined) {
    // Up to the next round tick above the data, so the line never touches the top.
    const t = ticks(yMin, yMax * 1.05);
    let step = t.length > 1 ? t[1] - t[0] : yMax;
    if (options.yInteger) step = Math.max(1, Math.round(step));
    yMax = Math.ceil((yMax * 1.05) / step) * step;
  }

  const scale = (v, lo, hi, a, b, log) => {
    const t = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
    return a + Math.min(1, Math.max(0, t)) * (b - a);
  };
  const X = (v) => scale(v, xMin, xMax, pad.left, W - pad.right, options.xLog);
  const Y = (v) => scale(v, yMin, yMax, H - pad.bottom, pad.top, options.yLog);
  const xFormat = options.xFormat ?? defaultFormat;
  const yFormat = options.yFormat ?? defaultFormat;

  const titleId = `chart-${Math.random().toString(36).slice(2, 9)}`;
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMidYMid meet',
  });
  const summary = options.summary ?? options.series.map((s) => `${s.label || 'series'}: ${s.points.map(([x, y]) => `${xFormat(x)} → ${yFormat(y)}`).join(', ')}`).join('; ');
  root.append(svg('title', { id: titleId }, `${options.title || ''}${options.title ? '. ' : ''}${options.yLabel} against ${options.xLabel}. ${summary}`));

  // Grid and axes.
  const grid = svg('g', { class: 'chart-grid' });
  const axes = svg('g', { class: 'chart-axes' });
  const yTicks = options.yLog ? logTicks(yMin, yMax) : ticks(yMin, yMax).filter((v) => !options.yInteger || Number.isInteger(v));
  for (const v of yTicks) {
    grid.append(svg('line', { x1: pad.left, x2: W - pad.right, y1: Y(v), y2: Y(v) }));
    axes.append(svg('text', { x: pad.left - 6, y: Y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, yFormat(v)));
  }
  for (const v of options.xLog ? logTicks(xMin, xMax) : ticks(xMin, xMax, 6)) {
    grid.append(svg('line', { x1: X(v), x2: X(v), y1: pad.top, y2: H - pad.bottom }));
    axes.append(svg('text', { x: X(v), y: H - pad.bottom + 16, 'text-anchor': 'middle' }, xFormat(v)));
  }
  axes.append(svg('line', { class: 'chart-axis', x1: pad.left, x2: W - pad.right, y1: H - pad.bottom, y2: H - pad.bottom }));
  axes.append(svg('line', { class: 'chart-axis', x1: pad.left, x2: pad.left, y1: pad.top, y2: H - pad.bottom }));
  axes.append(svg('text', { class: 'chart-label', x: (pad.left + W - pad.right) / 2, y: H - 6, 'text-anchor': 'middle' }, options.xLabel));
  axes.append(svg('text', {
    class: 'chart-label', x: 0, y: 0, 'text-anchor': 'middle', transform: `translate(14 ${(pad.top + H - pad.bottom) / 2}) rotate(-90)`,
  }, options.yLabel));
  root.append(grid, axes);

  // Series.
  options.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (!pts.length) return;
    let d = `M${X(pts[0][0])},${Y(pts[0][1])}`;
    for (let k = 1; k < pts.length; k += 1) {
      if (s.step) d += ` H${X(pts[k][0])}`;
      d += ` L${X(pts[k][0])},${Y(pts[k][1])}`;
    }
    root.append(svg('path', { d, class: `chart-line ${s.className || `chart-line-${i}`}`, fill: 'none' }));
  });

  for (const d of options.dots || []) {
    const dot = svg('circle', { cx: X(d.x), cy: Y(d.y), r: 4, class: `chart-dot${d.hollow ? ' chart-dot-hollow' : ''}` });
    if (d.label) dot.append(svg('title', {}, d.label));
    root.append(dot);
  }

  const marker = svg('line', { class: 'chart-marker', y1: pad.top, y2: H - pad.bottom, visibility: 'hidden' });
  root.append(marker);

  return {
    element: root,
    setMarker(x) {
      if (x === null || x === undefined) {
        marker.setAttribute('visibility', 'hidden');
        return;
      }
      marker.setAttribute('x1', X(x));
      marker.setAttribute('x2', X(x));
      marker.setAttribute('visibility', 'visible');
    },
  };
}
