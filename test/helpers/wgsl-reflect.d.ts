// The package's `main` is a CommonJS file inside a `"type": "module"` package, which
// Node cannot load; the ES module build is imported by path and typed here.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
