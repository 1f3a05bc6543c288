/**
 * The plotting libraries that ship as ES modules only (vega's canvas probe awaits at top level, which a CommonJS
 * bundle cannot hold): bundled on their own into dist/plots.mjs (esbuild.mjs), which render.ts loads with
 * import() — from a checkout under tsx it loads this file, and so node_modules, instead.
 */

export { parse, View } from 'vega';
export { compile } from 'vega-lite';
