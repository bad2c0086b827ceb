// Checks the system packages the tests need (Chromium with SwiftShader for WebGPU in
// software, and the Vulkan loader Dawn uses in Node) and installs them with apt-get
// on Debian when they are missing and we may (root, or passwordless sudo).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [];
if (!existsSync(chromium)) missing.push('chromium');
let hasVulkan;
try {
  hasVulkan = execSync('ldconfig -p', { encoding: 'utf8' }).includes('libvulkan.so.1');
} catch {
  hasVulkan =
    existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/libvulkan.so.1');
}
if (!hasVulkan) missing.push('libvulkan1');
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = isRoot ? '' : 'sudo -n ';
const hasApt = existsSync('/usr/bin/apt-get');
if (!hasApt) {
  console.error(
    `Missing system packages: ${missing.join(', ')}. Install Chromium (with WebGPU) and the Vulkan loader, or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}
console.log(`Installing system packages: ${missing.join(', ')} …`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execSync(`${sudo}apt-get update -qq`, { stdio: 'inherit', env });
  execSync(`${sudo}apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit', env });
} catch {
  console.error(`Could not install ${missing.join(', ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
