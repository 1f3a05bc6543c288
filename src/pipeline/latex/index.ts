/** Finding abstracts where people write: .tex, .bib and arXiv ids, and LaTeX to plain text. Pure, no I/O. */
export { type ArxivMention, findArxivIds } from './arxivIds';
export { type BibAbstract, type Found, itemAt } from './at';
export { type BibEntry, type BibParse, type BibProblem, parseBib } from './bib';
export { splitAuthors } from './bibFields';
export { type LatexToTextOptions, latexToText } from './latexToText';
export { type ListedItem, type Listing, type ListingDeps, listItems } from './listing';
export { bblFor, bibFilesFor, listedReference, resolveCitation } from './resolve';
export {
  findRoot,
  type IncludeSpec,
  includedFiles,
  isRootDocument,
  magicRoot,
  summarizeTex,
  type TexSummary,
} from './root';
export type { SourceSpan } from './source';
export {
  parseTex,
  type TexAbstract,
  type TexBibItem,
  type TexCitation,
  type TexDocument,
} from './tex';
