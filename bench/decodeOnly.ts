/** `npm run bench:decode`: the decode benchmark alone (ours vs transformers.js, float32 / int8 / int4). */
import { runDecodeBench } from './decode.bench';

runDecodeBench().then(
  (results) => {
    console.log('');
    for (const r of results)
      console.log(
        `  ${r.ok ? 'meets' : 'MISSES'} goal ${r.goal}: ${r.name} = ${r.value.toFixed(3)} ${r.unit}`,
      );
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
