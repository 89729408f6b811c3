import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  HybridBinarizer,
  MultiFormatReader,
  RGBLuminanceSource,
} from '@zxing/library';
import { PNG } from 'pngjs';

/** Luminance of RGBA pixels composited over white (transparent = paper). */
export function luminanceOf(rgba: Uint8Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    const a = rgba[i * 4 + 3]! / 255;
    const l = (r * 299 + g * 587 + b * 114) / 1000;
    out[i] = Math.round(l * a + 255 * (1 - a));
  }
  return out;
}

/** Decodes a Code128 barcode from luminance pixels; throws (zxing NotFoundException) when it cannot. */
export function decodeCode128(lum: Uint8ClampedArray, width: number, height: number): string {
  const reader = new MultiFormatReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.CODE_128]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  reader.setHints(hints);
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(lum, width, height)));
  const result = reader.decode(bitmap);
  if (result.getBarcodeFormat() !== BarcodeFormat.CODE_128) throw new Error(`decoded a ${result.getBarcodeFormat()}, not Code128`);
  return result.getText();
}

/** Decodes a Code128 barcode from a PNG file's bytes. */
export function decodeCode128Png(png: Buffer): string {
  const img = PNG.sync.read(png);
  return decodeCode128(luminanceOf(img.data, img.width, img.height), img.width, img.height);
}
