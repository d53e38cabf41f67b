import { register } from 'tsx/esm/api';
const t0 = performance.now();
register();
const t1 = performance.now();
for (const m of process.argv.slice(2)) {
  const s = performance.now();
  await import(m.startsWith('.') ? new URL(m, 'file://' + process.cwd() + '/').href : m);
  console.log(m, (performance.now() - s).toFixed(0), 'ms');
}
console.log('register', (t1 - t0).toFixed(0));
