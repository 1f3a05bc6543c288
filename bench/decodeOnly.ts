/** `npm run bench:decode`: the decode benchmark alone (ours vs transformers.js, float32 / int8 / int4). */
import { runDecodeBench } from './decode.bench';
import { printGoals } from './report';

runDecodeBench().then(
  (results) => {
    console.log('');
    printGoals(results);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
