// Registers every standard-op gradient rule (side-effect imports, one file per op family).

import './arith';
import './unary';
import './matmul';
import './shape';
import './slice';
import './gather';
import './reduce';
import './softmax';
import './where';
