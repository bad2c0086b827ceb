// Flags that give headless Chromium WebGPU (SwiftShader where there is no GPU) on a
// closed network; shared by the Vitest browser project, the end-to-end tests and the benchmark.

/** Command-line flags for Chromium. */
export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The Chromium binary: Debian's by default, or $CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
