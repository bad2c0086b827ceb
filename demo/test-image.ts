/**
 * The built-in test image, drawn here rather than shipped: a small scene with smooth
 * gradients, hard edges and a fine checkerboard, where bilinear and nearest-neighbour
 * upsampling look clearly different.
 */

/** Width and height of the built-in image. */
export const TEST_IMAGE_SIZE = { width: 64, height: 48 } as const;

/** Draws the built-in image and returns its pixels. */
export function builtInImage(): ImageData {
  const { width, height } = TEST_IMAGE_SIZE;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('demo: no 2D canvas context');
  const sky = ctx.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, '#1d3b8b');
  sky.addColorStop(0.6, '#e98a5a');
  sky.addColorStop(1, '#f7d794');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#fff3b0';
  ctx.beginPath();
  ctx.arc(44, 20, 9, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#2d4a3e';
  ctx.beginPath();
  ctx.moveTo(0, 40);
  ctx.lineTo(16, 22);
  ctx.lineTo(30, 38);
  ctx.lineTo(40, 30);
  ctx.lineTo(64, 44);
  ctx.lineTo(64, 48);
  ctx.lineTo(0, 48);
  ctx.closePath();
  ctx.fill();
  // A fine checkerboard: nearest-neighbour keeps its blocks, bilinear blurs them.
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      ctx.fillStyle = (x + y) % 2 === 0 ? '#ffffff' : '#111111';
      ctx.fillRect(4 + x, 4 + y, 1, 1);
    }
  }
  ctx.strokeStyle = '#ff4d6d';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(4.5, 16);
  ctx.lineTo(24.5, 4);
  ctx.stroke();
  return ctx.getImageData(0, 0, width, height);
}
