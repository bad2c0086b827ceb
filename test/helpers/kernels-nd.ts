/**
 * The suite of every kernel on 1-D and 3-D geometries and in float16, shared by Node (Dawn)
 * and Chromium: 200 random 1-D and 200 random 3-D geometries (atol 1e-4 + rtol 1e-4), 200
 * random float16 geometries of every rank (within one half ulp of the float64 reference on
 * the same half-rounded data), a 1-D output of over a million samples (float32 and float16)
 * and a float16 output wider than 4,096, against the CPU reference.
 */
import { describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import type { Engine } from '../../src/gpu/engine.js';
import { KERNEL_NAMES, type KernelName } from '../../src/gpu/kernel.js';
import { roundToHalf, toHalf } from '../../src/half.js';
import { checkCases, checkCasesHalf } from './cases.js';
import { compare, compareHalf, randomCaseNd, randomData, rng, withErrorScopes } from './check.js';

/**
 * `count` random cases of a rank from a seed. Every activation runs on every kernel in the 2-D
 * suites; here two are drawn, because each (variant, rank, storage, activation) is a pipeline
 * of its own and compiling them dominates the time on a software adapter.
 */
function cases(seed: number, rank: 1 | 2 | 3, count: number) {
  const rand = rng(seed);
  return Array.from({ length: count }, (_, i) =>
    randomCaseNd(rand, i, rank, { activations: [undefined, 'leakyRelu'] }),
  );
}

/** k16 s8 p4 (HiFi-GAN-style) on 131,072 samples: 1,048,576 output samples. */
async function longAudio(engine: Engine, kernel: KernelName, dtype: 'float32' | 'float16'): Promise<string> {
  const rand = rng(5);
  let x = randomData(2 * 131072, rand);
  let w = randomData(2 * 3 * 16, rand);
  const options = { strides: [8], padding: [4, 4] };
  if (dtype === 'float16') [x, w] = [roundToHalf(x), roundToHalf(w)];
  const r = await engine.convTranspose(
    dtype === 'float16' ? toHalf(x) : x,
    [1, 2, 131072],
    dtype === 'float16' ? toHalf(w) : w,
    [2, 3, 16],
    { ...options, kernel, dtype },
  );
  const ref = convTransposeCpu(x, [1, 2, 131072], w, [2, 3, 16], options);
  if (r.shape.join() !== '1,3,1048576') return `shape ${r.shape}`;
  const cmp = dtype === 'float16' ? compareHalf(r.data, ref.data) : compare(r.data, ref.data);
  return cmp.ok ? '' : cmp.message;
}

/** Defines the suite against the device and engine `env` returns once the tests run. */
export function describeKernelsNd(where: string, env: () => { device: GPUDevice; engine: Engine }): void {
  describe(`GPU kernels on every rank and in float16, in ${where}`, () => {
    for (const kernel of KERNEL_NAMES) {
      it(`${kernel}: 200 random 1-D geometries`, async () => {
        const failures = await withErrorScopes(env().device, () =>
          checkCases(env().engine, kernel, cases(100 + kernel.length, 1, 200)),
        );
        expect(failures).toEqual([]);
      });

      it(`${kernel}: 200 random 3-D geometries`, async () => {
        const failures = await withErrorScopes(env().device, () =>
          checkCases(env().engine, kernel, cases(300 + kernel.length, 3, 200)),
        );
        expect(failures).toEqual([]);
      });

      it(`${kernel}: 200 random float16 geometries of every rank`, async () => {
        const mixed = [...cases(700 + kernel.length, 1, 70), ...cases(800, 2, 70), ...cases(900, 3, 60)];
        const failures = await withErrorScopes(env().device, () => checkCasesHalf(env().engine, kernel, mixed));
        expect(failures).toEqual([]);
      });

      it(`${kernel}: a 1-D output of 1,048,576 samples, float32 and float16`, async () => {
        const failures = await withErrorScopes(env().device, async () => [
          await longAudio(env().engine, kernel, 'float32'),
          await longAudio(env().engine, kernel, 'float16'),
        ]);
        expect(failures).toEqual(['', '']);
      });

      it(`${kernel}: float16 output 4,400 wide (k4_s4, 2 × 1,100 input)`, async () => {
        const rand = rng(11);
        const x = roundToHalf(randomData(2 * 2 * 1100, rand));
        const w = roundToHalf(randomData(2 * 2 * 4 * 4, rand));
        const r = await withErrorScopes(env().device, () =>
          env().engine.convTranspose2d(toHalf(x), [1, 2, 2, 1100], toHalf(w), [2, 2, 4, 4], {
            strides: [4, 4],
            kernel,
            dtype: 'float16',
          }),
        );
        const ref = convTransposeCpu(x, [1, 2, 2, 1100], w, [2, 2, 4, 4], { strides: [4, 4] });
        expect(r.shape).toEqual([1, 2, 8, 4400]);
        expect(compareHalf(r.data, ref.data).message).toBe('ok');
      });
    }
  });
}
