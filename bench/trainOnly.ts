/**
 * `npm run bench:train`: the training-step benchmark alone (MINIASTROLM_BENCH_DEVICE picks cpu, cuda or webgpu).
 * Bundled on its own (esbuild), it also runs on a GPU machine that has Node but not the checkout's node_modules.
 */
import { relaunchedWithTrainingMalloc } from './relaunch';
import { printGoals } from './report';
import { runTrainBench } from './train.bench';

if (!relaunchedWithTrainingMalloc()) {
  runTrainBench().then(printGoals, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
