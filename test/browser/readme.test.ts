/**
 * The README's browser example (ONNX Runtime Web → our layer → ONNX Runtime Web on one
 * device) runs as written in Chromium: test/global-setup.ts extracted it to test/generated/,
 * and the test server serves onnxruntime-web's .wasm files under /ort/ and its two models
 * under /models/ (vite.config.ts). No adapter → the example throws → the test fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());

describe('README browser example (Chromium)', () => {
  it('"ONNX Runtime Web": two ONNX models with our layer between them, no readback between', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
    // Written by test/global-setup.ts before the tests run.
    const example = '../generated/readme-browser-0.mjs';
    await import(/* @vite-ignore */ example);
    const found = printed.find((a) => a[0] === 'ort');
    expect(found).toBeDefined();
    expect(found![1]).toEqual([1, 3, 32, 32]);
    expect(found![2]).toBe(3 * 32 * 32);
  });
});
