// Dawn in Node finds SwiftShader through Chromium's Vulkan ICD when no GPU driver is installed.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
