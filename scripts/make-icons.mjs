// Draws Prilavok's icons into assets/: tray dots (ok / warning / error) at 16 and 32 px, macOS template
// variants (black on transparent, the menu bar tints them), multi-size .ico files for Windows and the 512 px
// application icon electron-builder builds the installers' icons from. Run: node scripts/make-icons.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../assets');
fs.mkdirSync(out, { recursive: true });

const SS = 4; // supersampling per axis: smooth edges without an anti-aliasing library

function segDist(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** The white mark inside the dot, in unit coordinates. */
const marks = {
  ok: (x, y) => segDist(x, y, [0.27, 0.52], [0.43, 0.68]) < 0.085 || segDist(x, y, [0.43, 0.68], [0.73, 0.35]) < 0.085,
  warning: (x, y) => segDist(x, y, [0.5, 0.24], [0.5, 0.56]) < 0.085 || Math.hypot(x - 0.5, y - 0.75) < 0.09,
  error: (x, y) => segDist(x, y, [0.32, 0.32], [0.68, 0.68]) < 0.085 || segDist(x, y, [0.68, 0.32], [0.32, 0.68]) < 0.085,
};

const colours = { ok: [0x2e, 0xa0, 0x43], warning: [0xe0, 0x9b, 0x00], error: [0xd9, 0x2d, 0x20] };

/** Renders a shape function (unit x, y) → [r, g, b, a] | null into a PNG of size×size. */
function render(size, shade) {
  const png = new PNG({ width: size, height: size });
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const c = shade((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size);
          if (!c) continue;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a ? Math.round(r / a) : 0;
      png.data[i + 1] = a ? Math.round(g / a) : 0;
      png.data[i + 2] = a ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round((a / (SS * SS)) * 255);
    }
  }
  return PNG.sync.write(png);
}

const inDot = (x, y) => Math.hypot(x - 0.5, y - 0.5) < 0.47;

function trayDot(state) {
  const [r, g, b] = colours[state];
  return (x, y) => {
    if (!inDot(x, y)) return null;
    return marks[state](x, y) ? [255, 255, 255, 1] : [r, g, b, 1];
  };
}

/** Template: a black dot with the mark cut out (transparent). */
function trayTemplate(state) {
  return (x, y) => (inDot(x, y) && !marks[state](x, y) ? [0, 0, 0, 1] : null);
}

/** The application icon: a rounded teal square with a white counter («прилавок»): a top and two legs. */
function appIcon(x, y) {
  const m = 0.06;
  const radius = 0.18;
  const cx = Math.min(Math.max(x, m + radius), 1 - m - radius);
  const cy = Math.min(Math.max(y, m + radius), 1 - m - radius);
  if (Math.hypot(x - cx, y - cy) > radius) return null;
  const top = x > 0.22 && x < 0.78 && y > 0.3 && y < 0.42;
  const awning = y > 0.2 && y < 0.3 && x > 0.26 && x < 0.74 && Math.floor((x - 0.26) / 0.08) % 2 === 0;
  const legs = y >= 0.42 && y < 0.78 && ((x > 0.28 && x < 0.38) || (x > 0.62 && x < 0.72));
  const dot = Math.hypot(x - 0.5, y - 0.62) < 0.08;
  if (top || legs || awning) return [255, 255, 255, 1];
  if (dot) return [0x7c, 0xe0, 0x8c, 1];
  return [0x1f, 0x6f, 0x5c, 1];
}

/** ICO container: ICONDIR + one ICONDIRENTRY per image + the PNG payloads (PNG-in-ICO, Vista and later). */
function ico(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, data }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e);
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2);
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4);
    header.writeUInt16LE(32, e + 6);
    header.writeUInt32LE(data.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.data)]);
}

const write = (name, data) => {
  fs.writeFileSync(path.join(out, name), data);
  console.log(`assets/${name} ${data.length} bytes`);
};

for (const state of ['ok', 'warning', 'error']) {
  write(`tray-${state}.png`, render(16, trayDot(state)));
  write(`tray-${state}@2x.png`, render(32, trayDot(state)));
  write(`tray-${state}Template.png`, render(16, trayTemplate(state)));
  write(`tray-${state}Template@2x.png`, render(32, trayTemplate(state)));
  write(`tray-${state}.ico`, ico([16, 24, 32, 48].map((size) => ({ size, data: render(size, trayDot(state)) }))));
}
write('icon.png', render(512, appIcon));
write('icon.ico', ico([16, 32, 48, 256].map((size) => ({ size, data: render(size, appIcon) }))));
