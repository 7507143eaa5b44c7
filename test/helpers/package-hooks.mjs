// Module resolve hook (registered by report-packages.mjs): writes `loaded-package <name>` to stderr for
// every package an ES import resolves into node_modules (CommonJS require()s inside packages are not seen).
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(result.url);
  if (m) process.stderr.write(`loaded-package ${m[1]}\n`);
  return result;
}
