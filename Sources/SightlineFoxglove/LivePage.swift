/// The live page at `/`: one self-contained HTML file (no external assets) that connects to the
/// same listener as a Foxglove client, subscribes to `/sightline/frame` (the whole
/// `sightline.v1.FusedFrame`) and draws each frame on a canvas: the occupancy grid, the agents
/// with their 2σ ellipses coloured by consistency, the ego, a scale bar and a legend, and the
/// frame rate, latency and sensor status beside it. The protobuf is read by a small decoder of
/// its own, so the page needs nothing but the browser. `window.sightline` holds what it has
/// drawn, for tests.
enum LivePage {
  static let html: [UInt8] = Array(source.utf8)

  private static let source = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Sightline live</title>
    <style>
      body { margin: 0; font: 14px system-ui, sans-serif; background: #1e1f22; color: #e8e8e8;
             display: flex; height: 100vh; }
      #view { flex: 1; position: relative; }
      canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
      aside { width: 300px; padding: 12px 16px; background: #2a2b2f; overflow-y: auto; }
      h1 { font-size: 16px; margin: 0 0 8px; }
      h2 { font-size: 13px; margin: 14px 0 4px; color: #9fb3c8; text-transform: uppercase; }
      table { border-collapse: collapse; width: 100%; }
      td { padding: 2px 0; } td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
      .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
                vertical-align: -2px; border: 1px solid #555; }
      .ok { color: #59d47a; } .bad { color: #ff6b6b; } .warn { color: #ffb347; }
    </style>
    </head>
    <body>
    <div id="view"><canvas id="canvas"></canvas></div>
    <aside>
      <h1>Sightline live</h1>
      <div id="connection" class="warn">connecting…</div>
      <h2>Frames</h2>
      <table>
        <tr><td>received</td><td id="frames">0</td></tr>
        <tr><td>frame rate</td><td id="rate">–</td></tr>
        <tr><td>processing</td><td id="processing">–</td></tr>
        <tr><td>delivery latency</td><td id="latency">–</td></tr>
        <tr><td>budget</td><td id="budget">–</td></tr>
        <tr><td>sequence</td><td id="sequence">–</td></tr>
      </table>
      <h2>Sensors</h2>
      <table>
        <tr><td>LiDAR</td><td id="lidar">–</td></tr>
        <tr><td>points in sweep</td><td id="points">–</td></tr>
        <tr><td>sweep coverage</td><td id="coverage">–</td></tr>
        <tr><td>V2X agents</td><td id="agents">–</td></tr>
        <tr><td>agent age (mean)</td><td id="agentAge">–</td></tr>
        <tr><td>ego pose</td><td id="ego">–</td></tr>
      </table>
      <h2>Legend</h2>
      <div><span class="swatch" style="background:#8c8c8c"></span>unknown</div>
      <div><span class="swatch" style="background:#f4f4f4"></span>free</div>
      <div><span class="swatch" style="background:#111"></span>occupied</div>
      <div><span class="swatch" style="background:#1ab833"></span>agent confirmed by LiDAR</div>
      <div><span class="swatch" style="background:#ff9900"></span>agent occluded from LiDAR</div>
      <div><span class="swatch" style="background:#e61a1a"></span>agent contradicted by LiDAR</div>
      <div><span class="swatch" style="background:#808080"></span>agent not painted</div>
      <div><span class="swatch" style="background:#1a66ff"></span>ego (arrow: heading)</div>
      <div style="margin-top:6px;color:#aaa">Ellipses are 2σ of the extrapolated position.</div>
    </aside>
    <script>
    "use strict";
    const state = { frames: 0, agentsDrawn: 0, sequence: -1, gridCells: 0, errors: [],
                    times: [], frame: null };
    window.sightline = state;
    const CONSISTENCY = [["not painted", "#808080"], ["confirmed", "#1ab833"],
                         ["occluded", "#ff9900"], ["contradicted", "#e61a1a"]];

    // A protobuf reader: just what FusedFrame needs (varints, fixed32/64, length-delimited).
    class Reader {
      constructor(bytes) { this.b = bytes; this.p = 0; this.v = new DataView(bytes.buffer,
                           bytes.byteOffset, bytes.byteLength); }
      done() { return this.p >= this.b.length; }
      varint() {
        let result = 0, scale = 1, byte;
        do { byte = this.b[this.p++]; result += (byte & 0x7f) * scale; scale *= 128; }
        while (byte & 0x80);
        return result;
      }
      signed() { const v = this.varint(); return v >= 2 ** 63 ? v - 2 ** 64 : v; }
      double() { const x = this.v.getFloat64(this.p, true); this.p += 8; return x; }
      float() { const x = this.v.getFloat32(this.p, true); this.p += 4; return x; }
      bytes() { const n = this.varint(); const s = this.b.subarray(this.p, this.p + n);
                this.p += n; return s; }
      skip(wire) {
        if (wire === 0) this.varint(); else if (wire === 1) this.p += 8;
        else if (wire === 2) this.bytes(); else if (wire === 5) this.p += 4;
        else throw new Error("wire type " + wire);
      }
      // Calls fields[number](this, wire) for each field; skips the ones it does not know.
      fields(handlers) {
        while (!this.done()) {
          const tag = this.varint(), number = Math.floor(tag / 8), wire = tag & 7;
          const handler = handlers[number];
          if (handler) handler(this, wire); else this.skip(wire);
        }
      }
    }
    const sub = (fn) => (r) => fn(new Reader(r.bytes()));
    function pose(r) { const p = { east: 0, north: 0, yaw: 0 };
      r.fields({ 1: (r) => p.east = r.double(), 2: (r) => p.north = r.double(),
                 4: (r) => p.yaw = r.double() }); return p; }
    function header(r) { const h = { sequence: 0, publish: 0, deterministic: false, frame: "",
      egoKnown: false, ego: null, coverage: 0, points: 0, lidarStatus: 0, silent: 0 };
      r.fields({ 1: (r) => h.sequence = r.varint(), 4: (r) => h.publish = r.signed(),
        5: (r) => h.frame = new TextDecoder().decode(r.bytes()),
        6: (r) => h.deterministic = !!r.varint(), 8: (r) => h.egoKnown = !!r.varint(),
        10: sub((r) => h.ego = pose(r)), 13: (r) => h.coverage = r.varint(),
        14: (r) => h.points = r.varint(), 15: (r) => h.lidarStatus = r.varint(),
        16: (r) => h.silent = r.signed() });
      return h; }
    function layout(r) { const l = { columns: 0, rows: 0, cell: 0, stride: 0,
      origin: { east: 0, north: 0, yaw: 0 } };
      r.fields({ 1: (r) => l.columns = r.varint(), 2: (r) => l.rows = r.varint(),
        3: (r) => l.cell = r.double(), 4: (r) => l.stride = r.varint(),
        6: sub((r) => l.origin = pose(r)) });
      return l; }
    function budget(r) { const b = { degradation: 0, degraded: false, budget: 0, processing: 0 };
      r.fields({ 1: (r) => b.degradation = r.varint(), 2: (r) => b.degraded = !!r.varint(),
        3: (r) => b.budget = r.varint(), 7: (r) => b.processing = r.varint() });
      return b; }
    function agent(r) { const a = { id: 0, kind: 0, consistency: 0, east: 0, north: 0,
      heading: null, ee: 0, en: 0, nn: 0, latency: 0 };
      r.fields({ 1: (r) => a.id = r.varint(), 2: (r) => a.kind = r.varint(),
        4: (r) => a.consistency = r.varint(), 5: (r) => a.east = r.double(),
        6: (r) => a.north = r.double(), 7: (r) => a.heading = r.float(),
        9: (r) => a.ee = r.float(), 10: (r) => a.en = r.float(), 11: (r) => a.nn = r.float(),
        12: (r) => a.latency = r.signed() });
      return a; }
    function fusedFrame(bytes) {
      const f = { header: null, layout: null, budget: null, agents: [], occupancy: null,
                  encoding: 0 };
      new Reader(bytes).fields({ 1: sub((r) => f.header = header(r)),
        2: sub((r) => f.layout = layout(r)), 3: sub((r) => f.budget = budget(r)),
        6: sub((r) => f.agents.push(agent(r))), 8: (r) => f.occupancy = r.bytes(),
        12: (r) => f.encoding = r.varint() });
      return f;
    }
    async function inflate(bytes) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    }

    // Drawing: north up, the whole grid window fitted to the canvas.
    const canvas = document.getElementById("canvas"), ctx = canvas.getContext("2d");
    const gridCanvas = document.createElement("canvas"), gridCtx = gridCanvas.getContext("2d");
    function paintGrid(l, cells) {
      if (gridCanvas.width !== l.columns || gridCanvas.height !== l.rows) {
        gridCanvas.width = l.columns; gridCanvas.height = l.rows; }
      const image = gridCtx.createImageData(l.columns, l.rows), px = image.data;
      const counts = { unknown: 0, free: 0, occupied: 0 };
      for (let row = 0; row < l.rows; row++) {
        const source = row * l.stride, target = (l.rows - 1 - row) * l.columns * 4;
        for (let column = 0; column < l.columns; column++) {
          const v = cells[source + column] << 24 >> 24;   // int8
          if (v < 0) counts.unknown++; else if (v <= 50) counts.free++; else counts.occupied++;
          const grey = v < 0 ? 140 : Math.round(244 - v * 2.27);
          const i = target + column * 4;
          px[i] = px[i + 1] = px[i + 2] = grey; px[i + 3] = 255;
        }
      }
      gridCtx.putImageData(image, 0, 0);
      state.cells = counts;
    }
    function ellipse(a) {   // 2σ semi-axes and angle from the covariance
      const t = (a.ee + a.nn) / 2, d = Math.sqrt(((a.ee - a.nn) / 2) ** 2 + a.en ** 2);
      const major = Math.sqrt(Math.max(t + d, 0)), minor = Math.sqrt(Math.max(t - d, 0));
      const angle = Math.abs(a.en) < 1e-12 && a.ee >= a.nn ? 0
        : Math.atan2(t + d - a.ee, a.en || 1e-12);
      return { major: 2 * major, minor: 2 * minor, angle };
    }
    function niceLength(metres) { for (const n of [1, 2, 5, 10, 20, 50, 100, 200, 500])
      if (n >= metres) return n; return 1000; }
    function draw(f) {
      const w = canvas.clientWidth, h = canvas.clientHeight, dpr = window.devicePixelRatio || 1;
      if (canvas.width !== w * dpr || canvas.height !== h * dpr) {
        canvas.width = w * dpr; canvas.height = h * dpr; }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#1e1f22"; ctx.fillRect(0, 0, w, h);
      const l = f.layout, widthM = l.columns * l.cell, heightM = l.rows * l.cell;
      const scale = Math.min(w / widthM, h / heightM);   // pixels per metre
      const left = (w - widthM * scale) / 2, top = (h - heightM * scale) / 2;
      const x = (east) => left + (east - l.origin.east) * scale;
      const y = (north) => top + (heightM - (north - l.origin.north)) * scale;
      ctx.imageSmoothingEnabled = scale < 1 / l.cell;   // smooth when cells are under a pixel
      ctx.drawImage(gridCanvas, left, top, widthM * scale, heightM * scale);
      let drawn = 0;
      for (const a of f.agents) {
        const [, colour] = CONSISTENCY[a.consistency] || CONSISTENCY[0];
        const e = ellipse(a);
        ctx.save(); ctx.translate(x(a.east), y(a.north)); ctx.rotate(-e.angle);
        ctx.beginPath();
        ctx.ellipse(0, 0, Math.max(e.major * scale, 4), Math.max(e.minor * scale, 4), 0, 0, 7);
        ctx.globalAlpha = 0.35; ctx.fillStyle = colour; ctx.fill();
        ctx.globalAlpha = 1; ctx.lineWidth = 2; ctx.strokeStyle = colour; ctx.stroke();
        ctx.restore();
        ctx.fillStyle = colour; ctx.beginPath();
        ctx.arc(x(a.east), y(a.north), a.kind === 1 ? 5 : 3.5, 0, 7); ctx.fill();
        drawn++;
      }
      const ego = f.header.ego || { east: l.origin.east + widthM / 2,
                                    north: l.origin.north + heightM / 2, yaw: 0 };
      ctx.save(); ctx.translate(x(ego.east), y(ego.north)); ctx.rotate(-ego.yaw);
      ctx.beginPath(); ctx.moveTo(14, 0); ctx.lineTo(-8, 7); ctx.lineTo(-4, 0); ctx.lineTo(-8, -7);
      ctx.closePath(); ctx.fillStyle = "#1a66ff"; ctx.fill();
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke(); ctx.restore();
      const bar = niceLength(widthM / 6), barPx = bar * scale, bx = left + 16, by = top + heightM * scale - 20;
      ctx.fillStyle = "rgba(0,0,0,0.6)"; ctx.fillRect(bx - 8, by - 22, barPx + 16, 34);
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 3; ctx.beginPath();
      ctx.moveTo(bx, by - 5); ctx.lineTo(bx, by); ctx.lineTo(bx + barPx, by); ctx.lineTo(bx + barPx, by - 5);
      ctx.stroke(); ctx.fillStyle = "#fff"; ctx.font = "13px system-ui, sans-serif";
      ctx.fillText(bar + " m", bx + barPx / 2 - 12, by - 8);
      ctx.fillText("N ↑   " + f.header.frame + "   " + l.columns + "×" + l.rows + " cells of "
                   + +l.cell.toFixed(3) + " m", left + 16, top + 20);
      state.agentsDrawn = drawn;
    }
    const text = (id, value, cls) => { const el = document.getElementById(id);
      el.textContent = value; el.className = cls || ""; };
    function report(f, receivedMs) {
      const now = performance.now(); state.times.push(now);
      while (state.times.length && now - state.times[0] > 2000) state.times.shift();
      const rate = state.times.length > 1
        ? (state.times.length - 1) / ((now - state.times[0]) / 1000) : 0;
      text("frames", state.frames); text("rate", rate.toFixed(1) + " Hz");
      text("sequence", f.header.sequence);
      text("processing", f.budget && f.budget.processing
        ? (f.budget.processing / 1e6).toFixed(2) + " ms" : "– (deterministic)");
      text("latency", f.header.deterministic ? "– (replay clock)"
        : (receivedMs - f.header.publish / 1e6).toFixed(1) + " ms");
      text("budget", f.budget && f.budget.degraded ? "degraded (" + f.budget.degradation + ")"
        : "on time", f.budget && f.budget.degraded ? "warn" : "ok");
      const absent = f.header.lidarStatus === 1;
      text("lidar", absent ? "ABSENT " + (f.header.silent / 1e9).toFixed(1) + " s" : "OK",
        absent ? "bad" : "ok");
      text("points", f.header.points);
      text("coverage", (f.header.coverage / 360).toFixed(0) + " %");
      const counts = [0, 0, 0, 0]; for (const a of f.agents) counts[a.consistency]++;
      text("agents", f.agents.length + " (" + counts[1] + " confirmed, " + counts[2]
        + " occluded, " + counts[3] + " contradicted)");
      const age = f.agents.length
        ? f.agents.reduce((s, a) => s + a.latency, 0) / f.agents.length / 1e6 : 0;
      text("agentAge", f.agents.length ? age.toFixed(0) + " ms" : "–");
      text("ego", f.header.egoKnown ? "known (" + f.header.frame + ")" : "unknown (sensor frame)",
        f.header.egoKnown ? "ok" : "warn");
    }
    async function show(payload) {
      const receivedMs = Date.now();
      const f = fusedFrame(payload);
      if (!f.header || !f.layout || !f.occupancy) return;
      const cells = f.encoding === 1 ? await inflate(f.occupancy) : f.occupancy;
      if (cells.length < f.layout.rows * f.layout.stride) throw new Error("short occupancy layer");
      paintGrid(f.layout, cells);
      state.frames++; state.sequence = f.header.sequence; state.frame = f;
      state.gridCells = f.layout.columns * f.layout.rows;
      draw(f); report(f, receivedMs);
    }

    // The Foxglove ws-protocol: advertise → subscribe; binary opcode 1 is a message.
    let pending = Promise.resolve();
    function connect() {
      const socket = new WebSocket("ws://" + location.host + "/", ["foxglove.websocket.v1"]);
      socket.binaryType = "arraybuffer";
      socket.onopen = () => text("connection", "connected to " + location.host, "ok");
      socket.onclose = () => { text("connection", "disconnected; retrying…", "bad");
                               setTimeout(connect, 1000); };
      socket.onmessage = (event) => {
        if (typeof event.data === "string") {
          const message = JSON.parse(event.data);
          if (message.op !== "advertise") return;
          const channel = message.channels.find((c) => c.topic === "/sightline/frame");
          if (channel) socket.send(JSON.stringify({ op: "subscribe",
            subscriptions: [{ id: 1, channelId: channel.id }] }));
          return;
        }
        const view = new DataView(event.data);
        if (view.getUint8(0) !== 1) return;
        const payload = new Uint8Array(event.data, 13);
        pending = pending.then(() => show(payload)).catch((error) => {
          state.errors.push(String(error)); text("connection", String(error), "bad"); });
      };
    }
    window.addEventListener("resize", () => state.frame && draw(state.frame));
    connect();
    </script>
    </body>
    </html>
    """#
}
