// Registers the shape inference of every standard op the IR supports (side-effect imports, one per family).

import './elementwise';
import './tensor';
import './reduce';
import './nn';
