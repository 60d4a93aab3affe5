#!/usr/bin/env node
// Draws the app icon and writes it as PNGs: build/icon.png (512 px, what electron-builder converts
// for macOS/Windows) and build/icons/NxN.png (the Linux hicolor sizes). Pure Node (zlib), no image
// libraries, so anyone can regenerate them: `node build/make-icons.mjs`.
//
// The picture: three stacked plates (an image built from layers) and a lens (inspection) on a
// rounded teal square. Shapes are signed-distance functions sampled 4x4 per pixel for anti-aliasing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA pixels (width*height*4) to a PNG file: 8-bit RGBA, no interlace, filter 0 on every row. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (1 + width * 4) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Signed distances in unit coordinates (0..1 across the icon); negative inside.
const roundedRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const diamond = (x, y, cx, cy, hw, hh) => ((Math.abs(x - cx) / hw + Math.abs(y - cy) / hh - 1) * Math.min(hw, hh)) / Math.SQRT2;
const ring = (x, y, cx, cy, r, t) => Math.abs(Math.hypot(x - cx, y - cy) - r) - t / 2;
const segment = (x, y, ax, ay, bx, by, t) => {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * h, py - dy * h) - t / 2;
};

const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/** Colour of one sample point as premultiplied-free RGBA (0..1), layers painted back to front. */
function shade(x, y) {
  let c = [0, 0, 0, 0];
  const over = (rgb, alpha) => {
    const a = alpha + c[3] * (1 - alpha);
    if (a === 0) return;
    c = [...rgb.map((v, i) => (v * alpha + c[i] * c[3] * (1 - alpha)) / a), a];
  };
  if (roundedRect(x, y, 0.5, 0.5, 0.44, 0.44, 0.2) <= 0) over(mix([0.09, 0.55, 0.53], [0.05, 0.33, 0.36], y), 1);
  const plates = [
    [0.33, [0.62, 0.86, 0.84]],
    [0.45, [0.8, 0.94, 0.92]],
    [0.57, [1, 1, 1]],
  ];
  for (const [cy, rgb] of plates) {
    if (diamond(x, y + 0.015, 0.42, cy, 0.27, 0.12) <= 0) over([0.03, 0.2, 0.22], 0.35); // shadow
    if (diamond(x, y, 0.42, cy, 0.27, 0.12) <= 0) over(rgb, 1);
  }
  if (Math.hypot(x - 0.66, y - 0.66) <= 0.13) over([1, 1, 1], 0.18); // lens glass
  if (ring(x, y, 0.66, 0.66, 0.13, 0.05) <= 0 || segment(x, y, 0.755, 0.755, 0.85, 0.85, 0.065) <= 0) over([0.98, 0.75, 0.14], 1);
  return c;
}

export function drawIcon(size) {
  const ss = 4;
  const px = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const [cr, cg, cb, ca] = shade((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          r += cr * ca; g += cg * ca; b += cb * ca; a += ca;
        }
      }
      const o = (y * size + x) * 4;
      const n = ss * ss;
      px[o + 3] = Math.round((a / n) * 255);
      if (a > 0) {
        px[o] = Math.round((r / a) * 255);
        px[o + 1] = Math.round((g / a) * 255);
        px[o + 2] = Math.round((b / a) * 255);
      }
    }
  }
  return px;
}

const iconPath = (size) => join(HERE, 'icons', `${size}x${size}.png`);

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--check') {
  // `--check [size...]`: exit 1 if the committed PNGs are not what this script draws (stale icons).
  const sizes = process.argv.length > 3 ? process.argv.slice(3).map(Number) : SIZES;
  const stale = sizes.filter((size) => !encodePng(size, size, drawIcon(size)).equals(readFileSync(iconPath(size))));
  if (stale.length > 0) {
    console.error(`stale icons (run node build/make-icons.mjs): ${stale.map((s) => `${s}x${s}`).join(' ')}`);
    process.exit(1);
  }
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(join(HERE, 'icons'), { recursive: true });
  for (const size of SIZES) {
    const png = encodePng(size, size, drawIcon(size));
    writeFileSync(iconPath(size), png);
    if (size === 512) writeFileSync(join(HERE, 'icon.png'), png);
  }
  console.log(`wrote build/icon.png and build/icons/{${SIZES.map((s) => `${s}x${s}`).join(',')}}.png`);
}
