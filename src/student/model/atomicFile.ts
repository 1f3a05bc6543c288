/** Atomic file writes live in core (the dataset export and batch dumps use them too); re-exported for the model. */
export { fsyncFolder, tempPathFor, writeAll, writeFileAtomic, writeTextAtomic } from '../../core/atomicFile';
