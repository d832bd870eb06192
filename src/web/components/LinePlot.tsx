// A small SVG line plot: several series over a shared x axis, an optional marker, and a note
// when there is nothing to draw.
export interface Series { name: string; points: [number, number][]; color: string }

export function LinePlot({ series, width = 560, height = 160, xLabel, marker, note, xDomain, testId, onPick }: {
  series: Series[]; width?: number; height?: number; xLabel?: string; marker?: number; note?: string; xDomain?: [number, number]; testId?: string;
  onPick?: (x: number) => void;
}) {
  const pad = { l: 48, r: 10, t: 10, b: 24 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const [x0, x1] = xDomain ?? [Math.min(...xs, 0), Math.max(...xs, 1)];
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!all.length) { y0 = 0; y1 = 1; }
  if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));
  return (
    <div className="plot" data-testid={testId} data-points={all.length}>
      <svg width="100%" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none"
        onClick={onPick ? (e) => {
          const r = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          const x = ((e.clientX - r.left) / r.width) * width;
          onPick(x0 + ((x - pad.l) / (width - pad.l - pad.r)) * (x1 - x0));
        } : undefined}>
        <rect x={pad.l} y={pad.t} width={width - pad.l - pad.r} height={height - pad.t - pad.b} className="plot-bg" />
        <text x={pad.l - 4} y={pad.t + 10} className="axis" textAnchor="end">{fmt(y1)}</text>
        <text x={pad.l - 4} y={height - pad.b} className="axis" textAnchor="end">{fmt(y0)}</text>
        <text x={pad.l} y={height - 6} className="axis">{fmt(x0)}</text>
        <text x={width - pad.r} y={height - 6} className="axis" textAnchor="end">{fmt(x1)}</text>
        {xLabel && <text x={(width + pad.l) / 2} y={height - 6} className="axis" textAnchor="middle">{xLabel}</text>}
        {series.map((s) => (
          <g key={s.name}>
            <polyline fill="none" stroke={s.color} strokeWidth={1.5} points={s.points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ')} />
            {s.points.length <= 40 && s.points.map(([x, y], i) => <circle key={i} cx={sx(x)} cy={sy(y)} r={2} fill={s.color} />)}
          </g>
        ))}
        {marker !== undefined && <line x1={sx(marker)} x2={sx(marker)} y1={pad.t} y2={height - pad.b} className="marker" />}
        {!all.length && note && <text x={width / 2} y={height / 2} textAnchor="middle" className="note">{note}</text>}
      </svg>
      {series.length > 1 && <div className="legend">{series.map((s) => <span key={s.name}><i style={{ background: s.color }} />{s.name}</span>)}</div>}
    </div>
  );
}
